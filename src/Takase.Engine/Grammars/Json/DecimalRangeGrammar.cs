using System.Globalization;

namespace Takase.Engine.Grammars.Json;

/// <summary>
/// GBNF for decimal numbers between bounds, digit by digit: [123, 456] is "12" [3-9] | "1" [3-9] [0-9] |
/// [2-3] [0-9]{2} | "4" [0-4] [0-9] | "45" [0-6], and so on. Integers are written without leading zeros;
/// open-ended magnitudes get at most 16 digits (or as many as the bound has).
/// </summary>
internal static class DecimalRangeGrammar
{
    private const int OpenDigits = 16;
    private const string AnyFraction = "(\".\" [0-9]{1,16})?";
    private const string ZeroFraction = "(\".\" \"0\"{1,16})?";
    private const string NonZeroFraction = "\".\" [0-9]{0,15} [1-9]";

    /// <summary>Integers in [<paramref name="lo"/>, <paramref name="hi"/>] (null: unbounded on that side).</summary>
    public static string Integer(long? lo, long? hi)
    {
        var parts = new List<string>();
        if (hi is null || hi >= 0) parts.Add(Unsigned(Math.Max(lo ?? 0, 0), hi));
        if (lo is null || lo < 0)
        {
            // -m for m in [max(1, -hi), -lo]
            var magnitudeLo = hi is { } h && h < 0 ? -h : 1;
            parts.Add($"\"-\" {Unsigned(magnitudeLo, lo is { } l ? -l : null)}");
        }
        return Group(parts);
    }

    /// <summary>Numbers (with optional fraction, no exponent) between whole-number bounds, each inclusive or
    /// exclusive; null when no number lies between them.</summary>
    public static string? Number(long? lo, bool loExclusive, long? hi, bool hiExclusive)
    {
        var parts = new List<string>();
        if (hi is null || hi > 0 || (hi == 0 && !hiExclusive))
        {
            var magnitudeLo = lo is { } l && l >= 0 ? l : 0;
            var exclusive = lo is >= 0 && loExclusive;
            if (Magnitude(magnitudeLo, exclusive, hi, hiExclusive) is { } positive) parts.Add(positive);
        }
        if (lo is null || lo < 0)
        {
            // x = -m with m in [max(0, -hi), -lo]; m = 0 is left to the part above, so m > 0 here.
            var magnitudeLo = hi is { } h && h <= 0 ? -h : 0;
            var exclusive = magnitudeLo == 0 || hiExclusive;
            if (Magnitude(magnitudeLo, exclusive, lo is { } l2 ? -l2 : null, loExclusive) is { } negative)
                parts.Add($"\"-\" {negative}");
        }
        return parts.Count == 0 ? null : Group(parts);
    }

    /// <summary>Unsigned decimals m with lo &lt;(=) m &lt;(=) hi, lo ≥ 0.</summary>
    private static string? Magnitude(long lo, bool loExclusive, long? hi, bool hiExclusive)
    {
        if (hi < lo) return null;
        if (hi == lo) return loExclusive || hiExclusive ? null : $"{Unsigned(lo, lo)} {ZeroFraction}";
        var parts = new List<string> { $"{Unsigned(lo, lo)} {(loExclusive ? NonZeroFraction : AnyFraction)}" };
        if (hi is null) parts.Add($"{Unsigned(lo + 1, null)} {AnyFraction}");
        else if (hi - 1 >= lo + 1) parts.Add($"{Unsigned(lo + 1, hi - 1)} {AnyFraction}");
        if (hi is not null && !hiExclusive) parts.Add($"{Unsigned(hi.Value, hi.Value)} {ZeroFraction}");
        return Group(parts);
    }

    /// <summary>Unsigned integers in [lo, hi] without leading zeros; hi null means up to 16 digits (or lo's length).</summary>
    private static string Unsigned(long lo, long? hi)
    {
        var loText = lo.ToString(CultureInfo.InvariantCulture);
        var maxDigits = hi is { } h ? h.ToString(CultureInfo.InvariantCulture).Length : Math.Max(OpenDigits, loText.Length);
        var parts = new List<string>();
        for (var digits = loText.Length; digits <= maxDigits; digits++)
        {
            var first = digits == loText.Length ? loText : "1" + new string('0', digits - 1);
            var last = hi is { } hh && digits == maxDigits ? hh.ToString(CultureInfo.InvariantCulture) : new string('9', digits);
            if (string.CompareOrdinal(first, last) > 0) continue;
            parts.Add(SameLength(first, last));
        }
        return Group(parts);
    }

    /// <summary>Digit strings of one length between <paramref name="lo"/> and <paramref name="hi"/>.</summary>
    private static string SameLength(string lo, string hi)
    {
        if (lo == hi) return $"\"{lo}\"";
        if (lo.Length == 1) return $"[{lo}-{hi}]";
        var rest = lo.Length - 1;
        if (lo[0] == hi[0]) return $"\"{lo[0]}\" {SameLength(lo[1..], hi[1..])}";

        var parts = new List<string>();
        var loRestIsZeros = lo[1..].All(c => c == '0');
        var hiRestIsNines = hi[1..].All(c => c == '9');
        var middleFirst = loRestIsZeros ? lo[0] : (char)(lo[0] + 1);
        var middleLast = hiRestIsNines ? hi[0] : (char)(hi[0] - 1);
        if (!loRestIsZeros) parts.Add($"\"{lo[0]}\" {SameLength(lo[1..], new string('9', rest))}");
        if (middleFirst <= middleLast)
            parts.Add($"{(middleFirst == middleLast ? $"\"{middleFirst}\"" : $"[{middleFirst}-{middleLast}]")} [0-9]{(rest == 1 ? "" : $"{{{rest}}}")}");
        if (!hiRestIsNines) parts.Add($"\"{hi[0]}\" {SameLength(new string('0', rest), hi[1..])}");
        return Group(parts);
    }

    private static string Group(List<string> parts) => parts.Count == 1 ? parts[0] : $"({string.Join(" | ", parts)})";
}
