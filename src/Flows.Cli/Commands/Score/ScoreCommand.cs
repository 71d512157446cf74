using System.CommandLine;
using System.Globalization;
using System.Text;
using Flows.IO;
using Flows.Scoring;

namespace Flows.Cli.Commands.Score;

/// <summary>
/// <c>flows score CKPT</c>: per-example anomaly scores as CSV; with <c>--calibrate</c>, thresholds at chosen
/// false-positive rates from these (held-out, in-distribution) examples, saved beside the model; with a saved
/// calibration, every row says whether the example is an outlier at each rate.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var data = new Option<string?>("--data") { Description = "mnist, fashion-mnist, a 2-D set or a folder of IDX files (default: the model's own data)." };
        var split = new Option<string>("--split") { Description = "test or train.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train");
        var skip = OptionRules.NonNegative(new Option<int>("--skip") { Description = "Skip the split's first N examples." });
        var limit = new Option<int?>("--limit") { Description = "Score at most N examples." };
        OptionRules.Check(limit, v => v is null or >= 1, "must be at least 1");
        var background = new Option<string?>("--background") { Description = "A background model (trained on perturbed inputs) for the likelihood ratio." };
        var output = new Option<string?>("--out", "-o") { Description = "The CSV to write (default: none, only the summary)." };
        var calibrate = new Option<bool>("--calibrate") { Description = "Take these examples as held-out normal data and save thresholds at --fpr beside the model." };
        var score = new Option<string>("--score") { Description = "The score --calibrate thresholds: likelihood, input-complexity, likelihood-ratio or top-level (default: input-complexity for images).", };
        score.AcceptOnlyFromAmong("likelihood", "input-complexity", "likelihood-ratio", "top-level");
        var fpr = new Option<string>("--fpr") { Description = "False-positive rates to calibrate, comma-separated.", DefaultValueFactory = _ => "0.01,0.05" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("score", "Anomaly scores of every example (log p, bits/dim, input complexity, likelihood ratio); --calibrate sets thresholds at chosen false-positive rates.")
        {
            ckpt, data, split, skip, limit, background, output, calibrate, score, fpr, dataDir,
        };
        CommandRunner.SetAction(command, (p, context) => Run(
            p.GetRequiredValue(ckpt), p.GetValue(data), p.GetRequiredValue(split), p.GetValue(skip), p.GetValue(limit), p.GetValue(background), p.GetValue(output),
            p.GetValue(calibrate), p.GetValue(score), ListParser.Floats(p.GetRequiredValue(fpr), "--fpr"), p.GetValue(dataDir), context));
        return command;
    }

    public static int Run(string checkpoint, string? data, string split, int skip, int? limit, string? backgroundPath, string? output, bool calibrate, string? scoreName,
        float[] fprs, string? dataDir, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(checkpoint, dataDir, context.Output, context.Cancellation);
        var (part, description) = ScoredData.Open(loaded, data, split, skip, limit, dataDir, context.Output);
        var background = ScoredData.Background(backgroundPath, loaded, context.Output);
        var scores = Scorer.Score(loaded.Model, part, background);
        var inv = CultureInfo.InvariantCulture;
        context.Output.WriteLine($"scored {description} with {loaded.Folder}");
        foreach (var kind in scores.Available)
        {
            var v = scores[kind];
            context.Output.WriteLine(string.Create(inv, $"{AnomalyScores.Name(kind),-17} mean {v.Average():0.0000}, min {v.Min():0.0000}, max {v.Max():0.0000}"));
        }

        string calibrationFile = Path.Combine(loaded.Folder, Calibration.FileName);
        Calibration? calibration = null;
        if (calibrate)
        {
            var kind = scoreName is null ? (scores.CompressedBitsPerDim is null ? ScoreKind.Likelihood : ScoreKind.InputComplexity) : AnomalyScores.Parse(scoreName);
            if (!scores.Available.Contains(kind))
            {
                throw new UsageException($"--score {AnomalyScores.Name(kind)} is not available here ({(kind == ScoreKind.LikelihoodRatio ? "give --background" : "images only")}).");
            }

            try
            {
                calibration = Calibration.Fit([.. scores[kind].Select(x => (double)x)], kind, [.. fprs.Select(f => (double)f)], description);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--fpr: {e.Message}");
            }

            AtomicFile.WriteAllText(calibrationFile, calibration.ToJson());
            context.Output.WriteLine($"calibrated {AnomalyScores.Name(kind)} on {calibration.Count} examples; wrote {calibrationFile}");
            for (int i = 0; i < calibration.Thresholds.Length; i++)
            {
                context.Output.WriteLine(string.Create(inv, $"  false-positive rate {calibration.FalsePositiveRates[i]:0.###}: outlier when {calibration.Score} > {calibration.Thresholds[i]:0.0000}"));
            }
        }
        else if (scoreName is not null)
        {
            throw new UsageException("--score chooses the score --calibrate thresholds; add --calibrate.");
        }
        else if (File.Exists(calibrationFile))
        {
            calibration = Calibration.FromJson(File.ReadAllText(calibrationFile), calibrationFile);
            var kind = AnomalyScores.Parse(calibration.Score);
            if (!scores.Available.Contains(kind))
            {
                throw new UsageException($"{calibrationFile} thresholds the {calibration.Score} score; give --background to compute it.");
            }

            var v = scores[kind];
            for (int i = 0; i < calibration.Thresholds.Length; i++)
            {
                double t = calibration.Thresholds[i];
                context.Output.WriteLine(string.Create(inv, $"outliers at false-positive rate {calibration.FalsePositiveRates[i]:0.###} ({calibration.Score} > {t:0.0000}): {v.Count(x => x > t)} of {v.Length} ({v.Count(x => x > t) / (double)v.Length:P2})"));
            }
        }

        if (output is not null)
        {
            AtomicFile.WriteAllText(output, Csv(scores, part.Labels, skip, calibration));
            context.Output.WriteLine($"wrote {output}");
        }

        return 0;
    }

    private static string Csv(AnomalyScores scores, byte[]? labels, int skip, Calibration? calibration)
    {
        var inv = CultureInfo.InvariantCulture;
        var kinds = scores.Available;
        var columns = kinds.Select(k => scores[k]).ToArray();
        var sb = new StringBuilder("index,label,log_p");
        if (scores.CompressedBitsPerDim is not null)
        {
            sb.Append(",png_bpd");
        }

        foreach (var k in kinds)
        {
            sb.Append(',').Append(AnomalyScores.Name(k));
        }

        float[]? calibrated = calibration is null ? null : scores[AnomalyScores.Parse(calibration.Score)];
        foreach (double a in calibration?.FalsePositiveRates ?? [])
        {
            sb.Append(string.Create(inv, $",outlier_at_{a:0.###}"));
        }

        sb.Append('\n');
        for (int i = 0; i < scores.Count; i++)
        {
            sb.Append(string.Create(inv, $"{skip + i},{(labels is null ? "" : labels[i].ToString(inv))},{scores.LogProb[i]:R}"));
            if (scores.CompressedBitsPerDim is { } png)
            {
                sb.Append(string.Create(inv, $",{png[i]:R}"));
            }

            foreach (var c in columns)
            {
                sb.Append(string.Create(inv, $",{c[i]:R}"));
            }

            for (int j = 0; j < (calibration?.Thresholds.Length ?? 0); j++)
            {
                sb.Append(calibrated![i] > calibration!.Thresholds[j] ? ",1" : ",0");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
