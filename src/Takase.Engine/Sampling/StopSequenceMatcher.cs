namespace Takase.Engine.Sampling;

/// <summary>What <see cref="StopSequenceMatcher.Append"/> decided for one chunk.</summary>
/// <param name="Text">Text that is safe to send to the client now (may be empty).</param>
/// <param name="Stopped">A stop sequence was hit: generation should end, and no further text is emitted.</param>
public readonly record struct StopSequenceResult(string Text, bool Stopped);

/// <summary>
/// Finds stop sequences in streamed text. Detokenized chunks arrive piece by piece and a stop string may span
/// several of them, so the matcher holds back the shortest tail that could still grow into a stop string and
/// releases it as soon as it cannot. Text before a stop is emitted; the stop itself and anything after it are not.
/// </summary>
/// <remarks>Matching is ordinal (exact UTF-16 code units, no normalisation), as in Ollama and OpenAI.
/// A chunk that ends inside a surrogate pair keeps its high surrogate back so no emitted string is malformed.</remarks>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly int _longestStop;
    private string _pending = "";

    /// <summary>Creates a matcher for <paramref name="stopSequences"/>; null and empty strings are ignored,
    /// since clients send them to mean "no stop".</summary>
    public StopSequenceMatcher(IEnumerable<string?> stopSequences)
    {
        ArgumentNullException.ThrowIfNull(stopSequences);
        _stops = stopSequences.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToArray();
        _longestStop = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length);
    }

    /// <summary>True once a stop sequence has been hit.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>The stop sequence that ended the text, or null while none has.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>Feeds the next chunk of generated text; returns what may be emitted now and whether to stop.
    /// After a stop, further chunks are swallowed.</summary>
    public StopSequenceResult Append(string chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (IsStopped) return new StopSequenceResult("", true);

        var text = _pending.Length == 0 ? chunk : _pending + chunk;
        var (stopAt, stop) = FindEarliestStop(text);
        if (stop is not null)
        {
            IsStopped = true;
            MatchedStop = stop;
            _pending = "";
            return new StopSequenceResult(text[..stopAt], true);
        }

        var hold = HeldBackStart(text);
        if (hold > 0 && char.IsHighSurrogate(text[hold - 1])) hold--;
        _pending = text[hold..];
        return new StopSequenceResult(hold == text.Length ? text : text[..hold], false);
    }

    /// <summary>Ends the stream: returns the text still held back (it never became a stop sequence).</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return rest;
    }

    /// <summary>Forgets held text and any stop, to match a new stream with the same stop sequences.</summary>
    public void Reset()
    {
        _pending = "";
        IsStopped = false;
        MatchedStop = null;
    }

    /// <summary>The first position where any stop sequence occurs; on a tie the longer stop is reported.</summary>
    private (int Index, string? Stop) FindEarliestStop(string text)
    {
        var bestIndex = int.MaxValue;
        string? best = null;
        foreach (var stop in _stops)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index < 0) continue;
            if (index < bestIndex || (index == bestIndex && stop.Length > best!.Length))
            {
                bestIndex = index;
                best = stop;
            }
        }
        return (bestIndex, best);
    }

    /// <summary>
    /// Where the held-back tail begins: the earliest position whose suffix is a proper prefix of some stop string.
    /// Holding from the earliest such position covers every later one too. No stop string fits entirely (the
    /// caller checked), so only the last <c>longest - 1</c> characters can qualify.
    /// </summary>
    private int HeldBackStart(string text)
    {
        for (var start = Math.Max(0, text.Length - (_longestStop - 1)); start < text.Length; start++)
        {
            var tail = text.AsSpan(start);
            foreach (var stop in _stops)
            {
                if (stop.Length > tail.Length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                    return start;
            }
        }
        return text.Length;
    }
}
