using System.Globalization;
using System.Text;

namespace Takase.Routing.Learned.NGram;

/// <summary>
/// A prompt as the n-gram features see it: code points after NFKC normalisation and lower-casing, whitespace runs
/// collapsed to one space and every decimal digit folded to '0' (so "60 meters" and "25 meters" share n-grams), each
/// code point remembering the span of the original text it came from — so a feature can point at the exact substring
/// a user typed, full-width Japanese and all.
/// </summary>
/// <remarks>
/// Normalisation runs per grapheme cluster (a base character and its combining marks), which is where NFKC composes,
/// so the map back to the original stays exact without a tokenizer.
/// </remarks>
internal sealed class NormalizedText
{
    private NormalizedText(int[] codePoints, int[] starts, int[] ends, int count)
    {
        CodePoints = codePoints;
        Starts = starts;
        Ends = ends;
        Count = count;
    }

    /// <summary>The normalised code points (the first <see cref="Count"/> entries).</summary>
    public int[] CodePoints { get; }
    /// <summary>Per code point: start of its source span in the original text (UTF-16 index).</summary>
    public int[] Starts { get; }
    /// <summary>Per code point: end (exclusive) of its source span in the original text.</summary>
    public int[] Ends { get; }
    /// <summary>Number of normalised code points.</summary>
    public int Count { get; }

    /// <summary>Normalises <paramref name="text"/>.</summary>
    public static NormalizedText From(string text)
    {
        // NFKC rarely grows a cluster by more than a few code points (e.g. "㍻" → "平成"); grow the arrays when it does.
        var capacity = text.Length + 8;
        var cps = new int[capacity];
        var starts = new int[capacity];
        var ends = new int[capacity];
        var count = 0;
        var lastWasSpace = true; // drops leading whitespace

        void Add(int cp, int start, int end)
        {
            if (count == cps.Length)
            {
                Array.Resize(ref cps, cps.Length * 2);
                Array.Resize(ref starts, cps.Length);
                Array.Resize(ref ends, cps.Length);
            }
            cps[count] = cp;
            starts[count] = start;
            ends[count] = end;
            count++;
        }

        void AddFolded(int cp, int start, int end)
        {
            if (!Rune.IsValid(cp)) { lastWasSpace = false; Add(cp, start, end); return; }
            var rune = new Rune(cp);
            if (Rune.IsWhiteSpace(rune))
            {
                if (!lastWasSpace) Add(' ', start, end);
                lastWasSpace = true;
                return;
            }
            lastWasSpace = false;
            if (Rune.IsDigit(rune)) cp = '0';
            Add(cp, start, end);
        }

        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c < 0x80 && (i + 1 == text.Length || text[i + 1] < 0x300))
            {
                // ASCII not followed by a combining mark: NFKC leaves it alone.
                AddFolded(c is >= 'A' and <= 'Z' ? c + 32 : c, i, i + 1);
                i++;
                continue;
            }
            var length = StringInfo.GetNextTextElementLength(text.AsSpan(i));
            var cluster = text.Substring(i, length);
            string normalized;
            try { normalized = cluster.Normalize(NormalizationForm.FormKC).ToLowerInvariant(); }
            catch (ArgumentException) { normalized = cluster.ToLowerInvariant(); } // a lone surrogate: keep it as it is
            foreach (var rune in EnumerateRunes(normalized)) AddFolded(rune, i, i + length);
            i += length;
        }
        if (count > 0 && cps[count - 1] == ' ') count--; // trailing whitespace
        return new NormalizedText(cps, starts, ends, count);
    }

    private static IEnumerable<int> EnumerateRunes(string s)
    {
        for (var k = 0; k < s.Length;)
        {
            if (Rune.DecodeFromUtf16(s.AsSpan(k), out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                yield return rune.Value;
                k += used;
            }
            else
            {
                yield return s[k]; // a lone surrogate stands for itself
                k++;
            }
        }
    }
}
