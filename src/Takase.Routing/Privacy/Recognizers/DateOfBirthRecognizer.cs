using System.Globalization;
using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Dates of birth: a real calendar date in one of the usual forms (1990-01-02, 1990/1/2, 1990年1月2日, 平成2年1月2日,
/// H2.1.2, January 2, 1990, 2 January 1990, 02/01/1990) that a context word (生年月日, 誕生日, 生まれ, DOB, born,
/// birth) marks as a birth date. A date alone is not personal data, so its base score stays below the threshold.
/// </summary>
public sealed partial class DateOfBirthRecognizer : PiiRecognizer
{
    private static readonly Dictionary<string, int> EraStart = new()
    {
        ["明治"] = 1868,
        ["大正"] = 1912,
        ["昭和"] = 1926,
        ["平成"] = 1989,
        ["令和"] = 2019,
        ["M"] = 1868,
        ["T"] = 1912,
        ["S"] = 1926,
        ["H"] = 1989,
        ["R"] = 2019,
    };

    private static readonly Dictionary<string, int> EraLastYear = new()
    {
        ["明治"] = 45,
        ["大正"] = 15,
        ["昭和"] = 64,
        ["平成"] = 31,
        ["令和"] = 99,
        ["M"] = 45,
        ["T"] = 15,
        ["S"] = 64,
        ["H"] = 31,
        ["R"] = 99,
    };

    /// <inheritdoc />
    public override string Name => "date-of-birth";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
    [
        "生年月日", "誕生日", "生まれ", "birth", "born", "dob", "d.o.b", "birthday", "birthdate", "date of birth",
        "誕生",
    ];

    /// <inheritdoc />
    protected override int ContextAfter => 8;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in YearFirst().Matches(text.Text))
            if (IsDate(Int(m, "y"), Int(m, "m"), Int(m, "d")))
                yield return Span(text, PiiEntityType.DateOfBirth, m.Index, m.Index + m.Length, 0.2, "ymd");
        foreach (Match m in Era().Matches(text.Text))
        {
            var era = m.Groups["era"].Value;
            var year = m.Groups["y"].Value is "元" ? 1 : Int(m, "y");
            if (year >= 1 && year <= EraLastYear[era] && IsDate(EraStart[era] + year - 1, Int(m, "m"), Int(m, "d")))
                yield return Span(text, PiiEntityType.DateOfBirth, m.Index, m.Index + m.Length, 0.2, "era");
        }
        foreach (Match m in YearLast().Matches(text.Text))
        {
            int a = Int(m, "a"), b = Int(m, "b"), y = Int(m, "y");
            if (IsDate(y, a, b) || IsDate(y, b, a))
                yield return Span(text, PiiEntityType.DateOfBirth, m.Index, m.Index + m.Length, 0.2, "dmy");
        }
        foreach (Match m in MonthName().Matches(text.Text))
        {
            var month = MonthNumber(m.Groups["mon"].Value);
            if (IsDate(Int(m, "y"), month, Int(m, "d")))
                yield return Span(text, PiiEntityType.DateOfBirth, m.Index, m.Index + m.Length, 0.2, "month-name");
        }
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static bool IsDate(int year, int month, int day) =>
        year >= 1900 && year <= DateTime.UtcNow.Year && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);

    private static int MonthNumber(string name) =>
        Array.FindIndex(Months, m => name.StartsWith(m, StringComparison.OrdinalIgnoreCase)) + 1;

    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    [GeneratedRegex(@"(?<![0-9])(?<y>(?:19|20)[0-9]{2})(?:(?<sep>[\-/.])(?<m>[0-9]{1,2})\k<sep>(?<d>[0-9]{1,2})(?![0-9]|[\-/.:][0-9])|年 ?(?<m>[0-9]{1,2})月 ?(?<d>[0-9]{1,2})日)",
        RegexOptions.CultureInvariant)]
    private static partial Regex YearFirst();

    [GeneratedRegex(@"(?:(?<era>明治|大正|昭和|平成|令和) ?(?<y>元|[0-9]{1,2})年 ?(?<m>[0-9]{1,2})月 ?(?<d>[0-9]{1,2})日|(?<![A-Za-z0-9])(?<era>[MTSHR])(?<y>[0-9]{1,2})\.(?<m>[0-9]{1,2})\.(?<d>[0-9]{1,2})(?![0-9]))",
        RegexOptions.CultureInvariant)]
    private static partial Regex Era();

    [GeneratedRegex(@"(?<![0-9/.\-])(?<a>[0-9]{1,2})(?<sep>[/.\-])(?<b>[0-9]{1,2})\k<sep>(?<y>(?:19|20)[0-9]{2})(?![0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex YearLast();

    [GeneratedRegex(@"\b(?:(?<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.? (?<d>[0-9]{1,2})(?:st|nd|rd|th)?,? (?<y>(?:19|20)[0-9]{2})|(?<d>[0-9]{1,2})(?:st|nd|rd|th)? (?:of )?(?<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?,? (?<y>(?:19|20)[0-9]{2}))\b",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MonthName();
}
