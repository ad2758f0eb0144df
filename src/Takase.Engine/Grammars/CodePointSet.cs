using System.Text;
using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars;

/// <summary>
/// A set of Unicode code points held as sorted, disjoint, non-adjacent inclusive ranges, with a bitmap for ASCII so
/// the common membership test is one shift and mask. Immutable.
/// </summary>
internal sealed class CodePointSet : IEquatable<CodePointSet>
{
    /// <summary>The largest Unicode code point.</summary>
    public const int MaxCodePoint = 0x10FFFF;

    private readonly int[] _ranges;   // lo0, hi0, lo1, hi1 … sorted, disjoint, not touching
    private readonly ulong _ascii0;   // code points 0..63
    private readonly ulong _ascii1;   // code points 64..127

    private CodePointSet(int[] ranges)
    {
        _ranges = ranges;
        for (var i = 0; i < ranges.Length; i += 2)
        {
            for (var c = ranges[i]; c <= Math.Min(ranges[i + 1], 127); c++)
            {
                if (c < 64) _ascii0 |= 1UL << c;
                else _ascii1 |= 1UL << (c - 64);
            }
        }
    }

    /// <summary>Every code point.</summary>
    public static CodePointSet Any { get; } = new([0, MaxCodePoint]);

    /// <summary>No code point.</summary>
    public static CodePointSet Empty { get; } = new([]);

    /// <summary>The set holding exactly <paramref name="codePoint"/>.</summary>
    public static CodePointSet Single(int codePoint) => new([codePoint, codePoint]);

    /// <summary>The union of the given inclusive ranges (in any order, overlapping or not).</summary>
    public static CodePointSet FromRanges(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var sorted = ranges.Where(r => r.Lo <= r.Hi).OrderBy(r => r.Lo).ToList();
        var merged = new List<int>(sorted.Count * 2);
        foreach (var (lo, hi) in sorted)
        {
            if (merged.Count > 0 && lo <= merged[^1] + 1)
                merged[^1] = Math.Max(merged[^1], hi);
            else
            {
                merged.Add(lo);
                merged.Add(hi);
            }
        }
        return new CodePointSet(merged.ToArray());
    }

    /// <summary>True when the set holds no code point.</summary>
    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>The ranges, lowest first.</summary>
    public IEnumerable<(int Lo, int Hi)> Ranges
    {
        get
        {
            for (var i = 0; i < _ranges.Length; i += 2) yield return (_ranges[i], _ranges[i + 1]);
        }
    }

    /// <summary>The smallest member; the set must not be empty.</summary>
    public int Min => _ranges[0];

    /// <summary>Whether <paramref name="codePoint"/> is in the set.</summary>
    public bool Contains(int codePoint)
    {
        if ((uint)codePoint < 64) return (_ascii0 >> codePoint & 1) != 0;
        if ((uint)codePoint < 128) return (_ascii1 >> (codePoint - 64) & 1) != 0;
        var ranges = _ranges;
        // Binary search for the last range starting at or below the code point.
        int lo = 0, hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (ranges[mid * 2] <= codePoint)
            {
                if (codePoint <= ranges[mid * 2 + 1]) return true;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return false;
    }

    /// <summary>Whether any code point in [<paramref name="lo"/>, <paramref name="hi"/>] is in the set: used to tell
    /// whether a character whose first UTF-8 bytes have arrived could still match.</summary>
    public bool Overlaps(int lo, int hi)
    {
        for (var i = 0; i < _ranges.Length; i += 2)
        {
            if (_ranges[i] > hi) return false;
            if (_ranges[i + 1] >= lo) return true;
        }
        return false;
    }

    /// <summary>Every code point not in this set.</summary>
    public CodePointSet Complement()
    {
        var result = new List<(int, int)>();
        var next = 0;
        foreach (var (lo, hi) in Ranges)
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return FromRanges(result);
    }

    /// <summary>The members of both sets.</summary>
    public CodePointSet Intersect(CodePointSet other) => Complement().Union(other.Complement()).Complement();

    /// <summary>The members of either set.</summary>
    public CodePointSet Union(CodePointSet other) => FromRanges(Ranges.Concat(other.Ranges));

    /// <summary>The members of this set that are not in <paramref name="other"/>.</summary>
    public CodePointSet Except(CodePointSet other) => Intersect(other.Complement());

    /// <summary>The set as a GBNF character class, e.g. <c>[a-z0-9_]</c> (negated when that is shorter).</summary>
    public string ToGbnf()
    {
        var complement = Complement();
        var negate = complement._ranges.Length < _ranges.Length && !complement.IsEmpty;
        var builder = new StringBuilder(negate ? "[^" : "[");
        foreach (var (lo, hi) in (negate ? complement : this).Ranges)
        {
            GbnfText.AppendClassChar(builder, lo);
            if (hi == lo) continue;
            if (hi > lo + 1) builder.Append('-');
            GbnfText.AppendClassChar(builder, hi);
        }
        return builder.Append(']').ToString();
    }

    public bool Equals(CodePointSet? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);

    public override bool Equals(object? obj) => Equals(obj as CodePointSet);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var value in _ranges) hash.Add(value);
        return hash.ToHashCode();
    }

    public override string ToString() => ToGbnf();
}
