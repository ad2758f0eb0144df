using System.Text;

namespace Takase.Routing.Privacy.Redaction;

/// <summary>
/// Restores a streamed answer chunk by chunk. A placeholder can be split anywhere between chunks ("…&lt;EMA" +
/// "IL_1&gt;…"), so the tail of the text seen so far that could still become a placeholder is held back until the
/// next chunk completes or rules it out; everything before it is restored and returned at once. Call
/// <see cref="Flush"/> at the end of the stream for what is still held. Not thread-safe: one per stream.
/// </summary>
public sealed class PiiStreamRestorer
{
    private readonly PiiRestorer _restorer;
    private readonly bool _json;
    private readonly StringBuilder _pending = new();

    internal PiiStreamRestorer(PiiRestorer restorer, bool json)
    {
        _restorer = restorer;
        _json = json;
    }

    /// <summary>Takes the next chunk and returns the restored text that is safe to send now (possibly empty).</summary>
    public string Push(string chunk)
    {
        _pending.Append(chunk);
        var text = _pending.ToString();
        var cut = HoldBackFrom(text);
        _pending.Clear().Append(text, cut, text.Length - cut);
        return Restore(text[..cut]);
    }

    /// <summary>Returns what is still held (restored where it completes a placeholder); call once at the end.</summary>
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return Restore(rest);
    }

    private string Restore(string text) => _json ? _restorer.RestoreJson(text) : _restorer.Restore(text);

    /// <summary>
    /// Where the held-back tail starts: the earliest '&lt;' (or '\' in JSON) after which the rest of the text is a proper
    /// prefix of one of the map's placeholders; the text length when there is none.
    /// </summary>
    private int HoldBackFrom(string text)
    {
        var placeholders = _restorer.Map.Placeholders;
        if (placeholders.Count == 0) return text.Length;
        var longest = placeholders.Max(p => p.Length) + (_json ? 10 : 0);
        for (var i = Math.Max(0, text.Length - longest + 1); i < text.Length; i++)
        {
            if (text[i] != '<' && !(_json && text[i] == '\\')) continue;
            var tail = text.AsSpan(i);
            foreach (var p in placeholders)
                if (IsProperPrefix(tail, p) || _json && IsProperPrefix(tail, Escaped(p, 'C', 'E')) || _json && IsProperPrefix(tail, Escaped(p, 'c', 'e')))
                    return i;
        }
        return text.Length;
    }

    private static bool IsProperPrefix(ReadOnlySpan<char> tail, string placeholder) =>
        tail.Length < placeholder.Length && placeholder.AsSpan().StartsWith(tail, StringComparison.Ordinal);

    private static string Escaped(string placeholder, char open, char close) =>
        $"\\u003{open}{placeholder[1..^1]}\\u003{close}";
}
