namespace Takase.Routing.Privacy.Redaction;

/// <summary>
/// The placeholders of one conversation: the same value (after full-width normalisation) always gets the same
/// placeholder (&lt;PERSON_1&gt;, &lt;EMAIL_2&gt;, numbered per type), so a model sees consistent references across
/// turns, and the restorer can put every original back. Holds originals, so keep it with the conversation and never
/// log it: its <see cref="ToString"/> shows only the count. Thread-safe.
/// </summary>
public sealed class PiiPlaceholderMap
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(PiiEntityType, string), string> _byValue = [];
    private readonly Dictionary<string, string> _originals = new(StringComparer.Ordinal);
    private readonly Dictionary<PiiEntityType, int> _counters = [];

    /// <summary>How many placeholders were given out.</summary>
    public int Count
    {
        get { lock (_lock) return _originals.Count; }
    }

    /// <summary>The placeholders given out so far.</summary>
    public IReadOnlyList<string> Placeholders
    {
        get { lock (_lock) return [.. _originals.Keys]; }
    }

    /// <summary>The placeholder of <paramref name="original"/>, a new one the first time the value is seen.</summary>
    public string PlaceholderFor(PiiEntityType type, string original)
    {
        var key = (type, NormalizedText.Create(original).Text);
        lock (_lock)
        {
            if (_byValue.TryGetValue(key, out var existing)) return existing;
            var n = _counters.GetValueOrDefault(type) + 1;
            _counters[type] = n;
            var placeholder = $"<{type.WireName()}_{n}>";
            _byValue[key] = placeholder;
            _originals[placeholder] = original;
            return placeholder;
        }
    }

    /// <summary>The original behind <paramref name="placeholder"/> (the first spelling seen), if it is one of ours.</summary>
    public bool TryGetOriginal(string placeholder, out string original)
    {
        lock (_lock)
        {
            if (_originals.TryGetValue(placeholder, out var found))
            {
                original = found;
                return true;
            }
        }
        original = "";
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"PiiPlaceholderMap({Count} placeholders)";
}
