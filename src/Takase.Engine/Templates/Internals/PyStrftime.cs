using System.Globalization;
using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>Python's datetime.strftime as it behaves on Linux (glibc, C locale), for the strftime_now global.</summary>
internal static class PyStrftime
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                sb.Append(c);
                continue;
            }
            var code = format[++i];
            var noPad = false;
            if (code == '-' && i + 1 < format.Length)
            {
                // glibc extension: %-d drops the padding.
                noPad = true;
                code = format[++i];
            }
            var text = Field(t, code, noPad);
            if (text is null) sb.Append('%').Append(noPad ? "-" : "").Append(code);
            else sb.Append(text);
        }
        return sb.ToString();
    }

    private static string? Field(DateTime t, char code, bool noPad)
    {
        string Num(int v, int width) => noPad ? v.ToString(CultureInfo.InvariantCulture) : v.ToString(new string('0', width), CultureInfo.InvariantCulture);
        var hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
        return code switch
        {
            'a' => Days[(int)t.DayOfWeek][..3],
            'A' => Days[(int)t.DayOfWeek],
            'b' or 'h' => Months[t.Month - 1][..3],
            'B' => Months[t.Month - 1],
            'C' => Num(t.Year / 100, 2),
            'c' => $"{Days[(int)t.DayOfWeek][..3]} {Months[t.Month - 1][..3]} {t.Day,2} {t:HH:mm:ss} {t.Year}",
            'd' => Num(t.Day, 2),
            'D' => $"{t.Month:00}/{t.Day:00}/{t.Year % 100:00}",
            'e' => noPad ? t.Day.ToString(CultureInfo.InvariantCulture) : t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'F' => $"{t.Year:0000}-{t.Month:00}-{t.Day:00}",
            'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
            'G' => ISOWeek.GetYear(t).ToString(CultureInfo.InvariantCulture),
            'H' => Num(t.Hour, 2),
            'I' => Num(hour12, 2),
            'j' => Num(t.DayOfYear, 3),
            'k' => t.Hour.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'l' => hour12.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'm' => Num(t.Month, 2),
            'M' => Num(t.Minute, 2),
            'n' => "\n",
            'p' => t.Hour < 12 ? "AM" : "PM",
            'r' => $"{hour12:00}:{t.Minute:00}:{t.Second:00} {(t.Hour < 12 ? "AM" : "PM")}",
            'R' => $"{t.Hour:00}:{t.Minute:00}",
            'S' => Num(t.Second, 2),
            't' => "\t",
            'T' => $"{t.Hour:00}:{t.Minute:00}:{t.Second:00}",
            'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'U' => Num((t.DayOfYear + 6 - (int)t.DayOfWeek) / 7, 2),
            'V' => Num(ISOWeek.GetWeekOfYear(t), 2),
            'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'W' => Num((t.DayOfYear + 6 - ((int)t.DayOfWeek + 6) % 7) / 7, 2),
            'x' => $"{t.Month:00}/{t.Day:00}/{t.Year % 100:00}",
            'X' => $"{t.Hour:00}:{t.Minute:00}:{t.Second:00}",
            'y' => Num(t.Year % 100, 2),
            'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
            'z' or 'Z' => "", // strftime_now uses a naive local time, as datetime.now() does
            '%' => "%",
            _ => null,
        };
    }
}
