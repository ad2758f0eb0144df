using System.Globalization;
using System.Text.RegularExpressions;

namespace Takase.Engine.Evaluation;

/// <summary>
/// GSM8K-style answer extraction and comparison: the text after "#### " when there is one, otherwise the last number
/// in the text; both sides normalised (commas, "$", a final period and case dropped; numbers compared by value).
/// </summary>
public static partial class ExactMatch
{
    /// <summary>The final answer in a model's output (or a GSM8K reference solution), or null when there is none.</summary>
    public static string? Extract(string text)
    {
        var marked = HashMarker().Match(text);
        if (marked.Success) return marked.Groups[1].Value.Trim();
        var numbers = Number().Matches(text);
        return numbers.Count == 0 ? null : numbers[^1].Value;
    }

    /// <summary>The canonical form answers are compared in: "1,234.50" → "1234.5", " Tokyo. " → "tokyo".</summary>
    public static string Normalize(string answer)
    {
        var s = answer.Trim().Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal).TrimEnd('.').Trim();
        if (decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture); // drops trailing zeros
        return s.ToLowerInvariant();
    }

    /// <summary>
    /// Whether <paramref name="output"/> answers <paramref name="reference"/>: the reference is taken from its "####"
    /// line when it has one, else as it stands; the output's answer is extracted as <see cref="Extract"/> does.
    /// </summary>
    public static bool IsMatch(string output, string reference, out string? extracted)
    {
        extracted = Extract(output);
        var expected = reference.Contains("####", StringComparison.Ordinal) ? Extract(reference) ?? reference : reference;
        return extracted is not null && Normalize(extracted) == Normalize(expected);
    }

    [GeneratedRegex(@"####\s*([^\n]+)")]
    private static partial Regex HashMarker();

    [GeneratedRegex(@"-?\d[\d,]*(?:\.\d+)?")]
    private static partial Regex Number();
}
