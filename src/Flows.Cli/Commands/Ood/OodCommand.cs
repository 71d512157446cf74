using System.CommandLine;
using System.Globalization;
using Flows.Cli.Commands.Score;
using Flows.IO;
using Flows.Scoring;

namespace Flows.Cli.Commands.Ood;

/// <summary>
/// <c>flows ood CKPT --in D1 --out D2</c>: how well each anomaly score tells D2 (anomalies) from D1 (normal,
/// the model's own kind of data): AUROC, AUPR and FPR at 95% TPR per score, plus the typicality test on
/// batches; a ROC curve and score histograms as SVG.
/// </summary>
internal static class OodCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var inData = new Option<string?>("--in") { Description = "The normal data (default: the model's own data)." };
        var outData = new Option<string>("--out") { Description = "The anomalies: mnist, fashion-mnist or a folder of IDX files.", Required = true };
        var outClasses = new Option<string?>("--out-classes") { Description = "Only these labels of --out are anomalies, e.g. every class but the model's for the one-class benchmark." };
        var limit = new Option<int?>("--limit") { Description = "At most N test examples of each." };
        OptionRules.Check(limit, v => v is null or >= 1, "must be at least 1");
        var background = new Option<string?>("--background") { Description = "A background model for the likelihood ratio." };
        var batch = OptionRules.Positive(new Option<int>("--typicality-batch") { Description = "Examples per batch of the typicality test.", DefaultValueFactory = _ => 10 });
        var pictures = new Option<string?>("--pictures", "-o") { Description = "Folder for roc.svg and the histograms (default: none)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("ood", "Out-of-distribution detection: AUROC, AUPR and FPR at 95% TPR of every anomaly score, normal test data against anomalous test data.")
        {
            ckpt, inData, outData, outClasses, limit, background, batch, pictures, dataDir,
        };
        CommandRunner.SetAction(command, (p, context) => Run(
            p.GetRequiredValue(ckpt), p.GetValue(inData), p.GetRequiredValue(outData), p.GetValue(outClasses) is { } list ? ListParser.Integers(list, "--out-classes") : null, p.GetValue(limit), p.GetValue(background), p.GetValue(batch), p.GetValue(pictures), p.GetValue(dataDir), context));
        return command;
    }

    public static int Run(string checkpoint, string? inName, string outName, int[]? outClasses, int? limit, string? backgroundPath, int typicalityBatch, string? pictures, string? dataDir, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(checkpoint, dataDir, context.Output, context.Cancellation);
        var background = ScoredData.Background(backgroundPath, loaded, context.Output);
        var (normal, normalText) = ScoredData.Open(loaded, inName, "test", 0, limit, dataDir, context.Output);
        var (anomalous, anomalousText) = ScoredData.Open(loaded, outName, "test", 0, limit, dataDir, context.Output, outClasses);
        var (train, _) = ScoredData.Open(loaded, inName, "train", 0, Math.Min(limit ?? 5000, 5000), dataDir, context.Output);
        var inScores = Scorer.Score(loaded.Model, normal, background);
        var outScores = Scorer.Score(loaded.Model, anomalous, background);
        var inv = CultureInfo.InvariantCulture;
        context.Output.WriteLine($"model {loaded.Folder}");
        context.Output.WriteLine($"normal: {normalText}; anomalies: {anomalousText}");
        context.Output.WriteLine("| score | AUROC | AUPR (anomalies positive) | FPR at 95% TPR | mean, normal | mean, anomalies |");
        context.Output.WriteLine("| --- | --- | --- | --- | --- | --- |");
        var roc = new SvgChart("ROC curves", "false-positive rate (normal flagged)", "true-positive rate (anomalies flagged)");
        foreach (var kind in inScores.Available)
        {
            double[] a = [.. inScores[kind].Select(x => (double)x)], b = [.. outScores[kind].Select(x => (double)x)];
            double auroc = OodMetrics.Auroc(a, b);
            context.Output.WriteLine(string.Create(inv,
                $"| {AnomalyScores.Name(kind)} | {auroc:0.0000} | {OodMetrics.AveragePrecision(a, b):0.0000} | {OodMetrics.FalsePositiveRateAt(a, b):0.0000} | {a.Average():0.0000} | {b.Average():0.0000} |"));
            roc.Add(string.Create(inv, $"{AnomalyScores.Name(kind)} (AUROC {auroc:0.000})"), OodMetrics.RocCurve(a, b).Select(p => (p.Fpr, p.Tpr)));
            if (pictures is not null)
            {
                Directory.CreateDirectory(pictures);
                AtomicFile.WriteAllText(Path.Combine(pictures, $"histogram-{AnomalyScores.Name(kind)}.svg"), Histogram(AnomalyScores.Name(kind), a, b, normalText, anomalousText));
            }
        }

        // Typicality (Nalisnick et al. 2019): |mean score of a batch − the mean on training data|.
        double entropy = Scorer.Likelihood(loaded.Model, train).Average();
        double[] Typical(float[] v) => [.. v.Chunk(typicalityBatch).Where(c => c.Length == typicalityBatch).Select(c => Math.Abs(c.Average() - entropy))];
        double[] ti = Typical(inScores.Likelihood), to = Typical(outScores.Likelihood);
        if (ti.Length > 0 && to.Length > 0)
        {
            context.Output.WriteLine(string.Create(inv,
                $"| typicality, batches of {typicalityBatch} ({ti.Length} and {to.Length} batches) | {OodMetrics.Auroc(ti, to):0.0000} | {OodMetrics.AveragePrecision(ti, to):0.0000} | {OodMetrics.FalsePositiveRateAt(ti, to):0.0000} | {ti.Average():0.0000} | {to.Average():0.0000} |"));
        }

        if (pictures is not null)
        {
            roc.Add("chance", [(0, 0), (1, 1)]);
            AtomicFile.WriteAllText(Path.Combine(pictures, "roc.svg"), roc.ToSvg());
            context.Output.WriteLine($"wrote {Path.Combine(pictures, "roc.svg")} and the histograms");
        }

        return 0;
    }

    /// <summary>Both distributions of a score as densities over 60 shared bins.</summary>
    private static string Histogram(string name, double[] normal, double[] anomalous, string normalText, string anomalousText)
    {
        double lo = Math.Min(Quantile(normal, 0.001), Quantile(anomalous, 0.001)), hi = Math.Max(Quantile(normal, 0.999), Quantile(anomalous, 0.999));
        if (!(hi > lo))
        {
            hi = lo + 1;
        }

        const int bins = 60;
        double width = (hi - lo) / bins;
        IEnumerable<(double, double)> Density(double[] v)
        {
            var counts = new int[bins];
            foreach (double x in v)
            {
                int i = (int)Math.Floor((x - lo) / width);
                if (i >= 0 && i < bins)
                {
                    counts[i]++;
                }
            }

            return counts.Select((c, i) => (lo + ((i + 0.5) * width), c / (v.Length * width)));
        }

        var chart = new SvgChart($"{name}: normal vs anomalies", name, "density");
        chart.Add($"normal: {normalText}", Density(normal));
        chart.Add($"anomalies: {anomalousText}", Density(anomalous));
        return chart.ToSvg();
    }

    private static double Quantile(double[] v, double q)
    {
        var sorted = v.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }
}
