using System.Globalization;
using System.Security;
using System.Text;

namespace Flows.IO;

/// <summary>A line chart of one or more series, written as SVG text (axes, ticks at round numbers, legend).</summary>
public sealed class SvgChart
{
    private const int Width = 720, Height = 420, Left = 70, Right = 20, Top = 40, Bottom = 50;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];
    private readonly List<(string Name, List<(double X, double Y)> Points, bool Markers)> _series = [];

    /// <summary>An empty chart with a title and axis labels.</summary>
    public SvgChart(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    /// <summary>The title, written above the plot.</summary>
    public string Title { get; }

    /// <summary>The label of the horizontal axis.</summary>
    public string XLabel { get; }

    /// <summary>The label of the vertical axis.</summary>
    public string YLabel { get; }

    /// <summary>Adds a series; non-finite points are skipped. <paramref name="markers"/> draws a dot at every point.</summary>
    public void Add(string name, IEnumerable<(double X, double Y)> points, bool markers = false)
    {
        ArgumentNullException.ThrowIfNull(points);
        var list = new List<(double X, double Y)>();
        foreach (var p in points)
        {
            if (double.IsFinite(p.X) && double.IsFinite(p.Y))
            {
                list.Add(p);
            }
        }

        _series.Add((name, list, markers));
    }

    /// <summary>The chart as a 720×420 SVG document; the axes cover every series' finite points (0 to 1 when there are none).</summary>
    public string ToSvg()
    {
        double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity, y0 = double.PositiveInfinity, y1 = double.NegativeInfinity;
        foreach (var (_, pts, _) in _series)
        {
            foreach (var (x, y) in pts)
            {
                x0 = Math.Min(x0, x);
                x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y);
                y1 = Math.Max(y1, y);
            }
        }

        if (!double.IsFinite(x0))
        {
            (x0, x1, y0, y1) = (0, 1, 0, 1);
        }

        Widen(ref x0, ref x1);
        Widen(ref y0, ref y1);
        var xTicks = Ticks(x0, x1);
        var yTicks = Ticks(y0, y1);
        (x0, x1) = (Math.Min(x0, xTicks[0]), Math.Max(x1, xTicks[^1]));
        (y0, y1) = (Math.Min(y0, yTicks[0]), Math.Max(y1, yTicks[^1]));
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Sx(double x) => Left + ((x - x0) / (x1 - x0) * plotW);
        double Sy(double y) => Top + plotH - ((y - y0) / (y1 - y0) * plotH);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(Title)}</text>\n");
        foreach (double t in xTicks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Sx(t))}\" y1=\"{Top}\" x2=\"{F(Sx(t))}\" y2=\"{Top + plotH}\" stroke=\"#e5e5e5\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Sx(t))}\" y=\"{F(Top + plotH + 16)}\" text-anchor=\"middle\">{Label(t)}</text>\n");
        }

        foreach (double t in yTicks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(Sy(t))}\" x2=\"{F(Left + plotW)}\" y2=\"{F(Sy(t))}\" stroke=\"#e5e5e5\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Sy(t) + 4)}\" text-anchor=\"end\">{Label(t)}</text>\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"black\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + (plotW / 2))}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{F(Top + (plotH / 2))}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {F(Top + (plotH / 2))})\">{Escape(YLabel)}</text>\n");

        for (int s = 0; s < _series.Count; s++)
        {
            var (name, pts, markers) = _series[s];
            string colour = Palette[s % Palette.Length];
            if (pts.Count > 1)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"");
                foreach (var (x, y) in pts)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{F(Sx(x))},{F(Sy(y))} ");
                }

                sb.Append("\"/>\n");
            }

            if (markers || pts.Count == 1)
            {
                foreach (var (x, y) in pts)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Sx(x))}\" cy=\"{F(Sy(y))}\" r=\"3\" fill=\"{colour}\"/>\n");
                }
            }

            double ly = Top + 14 + (s * 16);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Left + plotW - 150)}\" y1=\"{F(ly - 4)}\" x2=\"{F(Left + plotW - 130)}\" y2=\"{F(ly - 4)}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + plotW - 124)}\" y=\"{F(ly)}\">{Escape(name)}</text>\n");
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Round tick positions (1, 2 or 5 times a power of ten) covering [lo, hi], about five of them.</summary>
    internal static double[] Ticks(double lo, double hi)
    {
        double raw = (hi - lo) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        long first = (long)Math.Floor(lo / step), last = (long)Math.Ceiling(hi / step);
        var ticks = new List<double>();
        for (long i = first; i <= last; i++)
        {
            ticks.Add(i * step);
        }

        return [.. ticks];
    }

    private static void Widen(ref double lo, ref double hi)
    {
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
        {
            double pad = Math.Max(Math.Abs(hi) * 0.05, 1e-3);
            lo -= pad;
            hi += pad;
        }
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Label(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Escape(string s) => SecurityElement.Escape(s) ?? string.Empty;
}
