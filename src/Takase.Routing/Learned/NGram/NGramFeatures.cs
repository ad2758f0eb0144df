namespace Takase.Routing.Learned.NGram;

/// <summary>One distinct character n-gram of a prompt and where it first occurs (in normalised code points).</summary>
/// <param name="Hash">64-bit hash of its code points (the identity of the n-gram; the bucket derives from it).</param>
/// <param name="First">Index of its first code point in the <see cref="NormalizedText"/>.</param>
/// <param name="Length">Number of code points (n).</param>
internal readonly record struct NGramOccurrence(ulong Hash, int First, int Length);

/// <summary>
/// Character n-grams of a normalised prompt, hashed: language-agnostic (Japanese needs no tokenizer) and
/// allocation-light, so a decision stays well under a millisecond.
/// </summary>
internal static class NGramFeatures
{
    /// <summary>The distinct n-grams of lengths <paramref name="minN"/>..<paramref name="maxN"/>, each at its first occurrence.</summary>
    public static List<NGramOccurrence> Distinct(NormalizedText text, int minN, int maxN)
    {
        var seen = new HashSet<ulong>(text.Count * (maxN - minN + 1));
        var result = new List<NGramOccurrence>(text.Count * (maxN - minN + 1));
        var cps = text.CodePoints.AsSpan(0, text.Count);
        for (var i = 0; i < cps.Length; i++)
        {
            for (var n = minN; n <= maxN && i + n <= cps.Length; n++)
            {
                var h = Hash(cps.Slice(i, n));
                if (seen.Add(h)) result.Add(new NGramOccurrence(h, i, n));
            }
        }
        return result;
    }

    /// <summary>FNV-1a over the code points, finished with a 64-bit mixer so that low bits are usable as a bucket.</summary>
    public static ulong Hash(ReadOnlySpan<int> codePoints)
    {
        var h = 14695981039346656037UL;
        foreach (var cp in codePoints)
        {
            h ^= (uint)cp;
            h *= 1099511628211UL;
        }
        h ^= (ulong)codePoints.Length << 56;
        // splitmix64 finaliser
        h ^= h >> 30; h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27; h *= 0x94d049bb133111ebUL;
        h ^= h >> 31;
        return h;
    }

    /// <summary>The weight bucket of an n-gram hash.</summary>
    public static int Bucket(ulong hash, int buckets) => (int)(hash % (ulong)buckets);
}
