namespace Flows.Cli.Commands.Plot;

/// <summary>Draws learning curves with ScottPlot: one colour per group, the mean as a line with markers, the runs' range as a translucent band.</summary>
internal static class CurvePicture
{
    public static void Save(IReadOnlyList<(string Label, LearningCurve Curve)> curves, string title, string yLabel, string path)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var (label, curve) = curves[i];
            var color = palette.GetColor(i);
            double[] xs = [.. curve.Steps.Select(s => (double)s)];
            if (curve.Low.Zip(curve.High).Any(p => p.Second > p.First))
            {
                var band = plot.Add.FillY(xs, curve.Low, curve.High);
                band.FillColor = color.WithAlpha(0.25);
                band.LineWidth = 0;
            }

            var line = plot.Add.Scatter(xs, curve.Mean);
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 5;
            line.LegendText = label;
        }

        plot.Title(title);
        plot.XLabel("training step");
        plot.YLabel(yLabel);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            plot.SaveSvg(path, 800, 500);
        }
        else
        {
            plot.SavePng(path, 800, 500);
        }
    }
}
