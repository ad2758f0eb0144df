namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Looks for context words in a character window around a match. Presidio counts tokens; Japanese has no spaces to
/// count, so the window is in characters. Words made of ASCII letters must stand alone ("tel" is not found in
/// "hotel"); Japanese words match anywhere in the window.
/// </summary>
public static class PiiContext
{
    /// <summary>Whether one of <paramref name="words"/> occurs within the window around [start, end).</summary>
    public static bool Near(NormalizedText text, int start, int end, IReadOnlyList<string> words, int before, int after)
    {
        if (words.Count == 0) return false;
        var lower = text.Lower;
        var from = Math.Max(0, start - before);
        var to = Math.Min(lower.Length, end + after);
        foreach (var word in words)
        {
            if (Find(lower, word, from, start)) return true;
            if (Find(lower, word, end, to)) return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="word"/> occurs wholly inside lower[from, to).</summary>
    public static bool Find(string lower, string word, int from, int to)
    {
        var at = from;
        while (at < to)
        {
            var i = lower.IndexOf(word, at, to - at, StringComparison.Ordinal);
            if (i < 0 || i + word.Length > to) return false;
            if (StandsAlone(lower, word, i)) return true;
            at = i + 1;
        }
        return false;
    }

    private static bool StandsAlone(string s, string word, int i)
    {
        if (IsAsciiLetter(word[0]) && i > 0 && IsAsciiLetter(s[i - 1])) return false;
        var after = i + word.Length;
        if (IsAsciiLetter(word[^1]) && after < s.Length && IsAsciiLetter(s[after])) return false;
        return true;
    }

    private static bool IsAsciiLetter(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
