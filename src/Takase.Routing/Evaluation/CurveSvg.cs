using System.Globalization;
using System.Security;
using System.Text;

namespace Takase.Routing.Evaluation;

/// <summary>
/// Draws a performance curve as a standalone SVG: axes with ticks and labels, the router's curve, the random router's
/// straight line, and the weak and strong models' qualities as dashed horizontals. Our own few lines of SVG, so the
/// CLI needs no plotting library.
/// </summary>
public static class CurveSvg
{
    private const int Width = 720, Height = 460, Left = 70, Right = 170, Top = 40, Bottom = 60;

    /// <summary>The SVG document for <paramref name="report"/>, titled <paramref name="title"/>; the legend names the models and the router.</summary>
    public static string Render(RoutingReport report, string title, string routerName, string weakName, string strongName)
    {
        var curve = report.Curve;
        var lo = Math.Min(report.Weak, curve.Min(p => p.Quality));
        var hi = Math.Max(report.Strong, curve.Max(p => p.Quality));
        var pad = (hi - lo) * 0.08;
        if (pad <= 0) pad = Math.Max(Math.Abs(hi) * 0.05, 0.5);
        lo -= pad;
        hi += pad;
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(double share) => Left + share * plotW;
        double Y(double quality) => Top + (hi - quality) / (hi - lo) * plotH;
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append($"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append($"""<rect width="{Width}" height="{Height}" fill="white"/>""").Append('\n');
        svg.Append($"""<text x="{Left + plotW / 2}" y="22" text-anchor="middle" font-size="15">{Escape(title)}</text>""").Append('\n');

        // Axes, grid and ticks.
        svg.Append($"""<g stroke="#ccc" stroke-width="1">""").Append('\n');
        for (var t = 0; t <= 10; t++)
            svg.Append($"""<line x1="{F(X(t / 10.0))}" y1="{Top}" x2="{F(X(t / 10.0))}" y2="{Top + plotH}"/>""").Append('\n');
        var yTicks = Ticks(lo, hi);
        foreach (var v in yTicks) svg.Append($"""<line x1="{Left}" y1="{F(Y(v))}" x2="{Left + plotW}" y2="{F(Y(v))}"/>""").Append('\n');
        svg.Append("</g>\n");
        svg.Append($"""<rect x="{Left}" y="{Top}" width="{plotW}" height="{plotH}" fill="none" stroke="black"/>""").Append('\n');
        for (var t = 0; t <= 10; t++)
            svg.Append($"""<text x="{F(X(t / 10.0))}" y="{Top + plotH + 18}" text-anchor="middle">{t * 10}%</text>""").Append('\n');
        foreach (var v in yTicks)
            svg.Append($"""<text x="{Left - 8}" y="{F(Y(v) + 4)}" text-anchor="end">{v.ToString("0.###", CultureInfo.InvariantCulture)}</text>""").Append('\n');
        svg.Append($"""<text x="{Left + plotW / 2}" y="{Height - 18}" text-anchor="middle">calls to the strong model</text>""").Append('\n');
        svg.Append($"""<text transform="translate(18 {Top + plotH / 2}) rotate(-90)" text-anchor="middle">quality (mean score)</text>""").Append('\n');

        // Reference lines, then the router's curve on top.
        svg.Append($"""<line x1="{Left}" y1="{F(Y(report.Weak))}" x2="{Left + plotW}" y2="{F(Y(report.Weak))}" stroke="#888" stroke-dasharray="6 4"/>""").Append('\n');
        svg.Append($"""<line x1="{Left}" y1="{F(Y(report.Strong))}" x2="{Left + plotW}" y2="{F(Y(report.Strong))}" stroke="#c33" stroke-dasharray="6 4"/>""").Append('\n');
        svg.Append($"""<line x1="{F(X(0))}" y1="{F(Y(report.Weak))}" x2="{F(X(1))}" y2="{F(Y(report.Strong))}" stroke="#999" stroke-width="1.5"/>""").Append('\n');
        svg.Append("<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" points=\"");
        svg.Append(string.Join(" ", curve.Select(p => $"{F(X(p.StrongShare))},{F(Y(p.Quality))}")));
        svg.Append("\"/>\n");

        // Legend.
        var lx = Left + plotW + 14;
        var entries = new (string Label, string Stroke, string Dash)[]
        {
            ($"{routerName} (APGR {report.Apgr.ToString("0.000", CultureInfo.InvariantCulture)})", "#1f5fbf", ""),
            ("random (APGR 0.500)", "#999", ""),
            ($"strong: {strongName}", "#c33", "6 4"),
            ($"weak: {weakName}", "#888", "6 4"),
        };
        for (var i = 0; i < entries.Length; i++)
        {
            var y = Top + 12 + i * 22;
            var dash = entries[i].Dash.Length > 0 ? $" stroke-dasharray=\"{entries[i].Dash}\"" : "";
            svg.Append($"""<line x1="{lx}" y1="{y}" x2="{lx + 22}" y2="{y}" stroke="{entries[i].Stroke}" stroke-width="2"{dash}/>""").Append('\n');
            svg.Append($"""<text x="{lx + 28}" y="{y + 4}" font-size="11">{Escape(entries[i].Label)}</text>""").Append('\n');
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>About five round tick values between <paramref name="lo"/> and <paramref name="hi"/>.</summary>
    private static List<double> Ticks(double lo, double hi)
    {
        var raw = (hi - lo) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (var v = Math.Ceiling(lo / step) * step; v <= hi + 1e-12; v += step) ticks.Add(Math.Round(v, 10));
        return ticks;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
