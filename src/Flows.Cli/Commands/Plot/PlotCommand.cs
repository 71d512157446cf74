using System.CommandLine;
using System.Globalization;
using Flows.Checkpoints;

namespace Flows.Cli.Commands.Plot;

/// <summary>
/// <c>flows plot "LABEL=RUN,RUN,…" … -o curves.png</c>: the test curves (bpd or nll against steps) of groups of runs,
/// each group drawn as the mean over its runs with the band from the lowest to the highest (seeds' spread), as PNG
/// or SVG (by the extension). Runs of a group are compared at the steps they all evaluated.
/// </summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var groups = new Argument<string[]>("groups") { Description = "LABEL=RUN[,RUN…]: a curve named LABEL from the mean of the runs' test evaluations (run or checkpoint folders).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The picture to write: .png or .svg.", Required = true };
        var title = new Option<string?>("--title") { Description = "The picture's title." };
        var train = new Option<bool>("--train") { Description = "Plot the training loss (smoothed over 1% of the steps) instead of the test evaluations." };
        var command = new Command("plot", "Plot the learning curves of groups of runs (mean and spread over the runs of each group) as PNG or SVG.") { groups, output, title, train };
        CommandRunner.SetAction(command, (p, context) => Run(p.GetRequiredValue(groups), p.GetRequiredValue(output), p.GetValue(title), p.GetValue(train), context));
        return command;
    }

    public static int Run(string[] groups, string output, string? title, bool train, CommandContext context)
    {
        string extension = Path.GetExtension(output).ToLowerInvariant();
        if (extension is not (".png" or ".svg"))
        {
            throw new UsageException($"-o {output}: the picture is written as .png or .svg.");
        }

        var curves = new List<(string Label, LearningCurve Curve)>();
        string? metric = null;
        foreach (string group in groups)
        {
            int eq = group.LastIndexOf('=');
            if (eq <= 0 || eq == group.Length - 1)
            {
                throw new UsageException($"'{group}': a group is LABEL=RUN[,RUN…].");
            }

            string label = group[..eq];
            var runs = group[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var curve = LearningCurve.Combine(runs.Select(r => LearningCurve.Read(RunFolder(r), train)).ToArray());
            if (curve.Steps.Length == 0)
            {
                throw new InvalidOperationException($"'{label}': the runs {string.Join(", ", runs)} have no {(train ? "training" : "test")} points at common steps.");
            }

            metric ??= curve.Metric;
            curves.Add((label, curve));
            var inv = CultureInfo.InvariantCulture;
            context.Output.WriteLine(string.Create(inv, $"{label}: {runs.Length} run{(runs.Length == 1 ? "" : "s")}, last step {curve.Steps[^1]}: {curve.Metric} {curve.Mean[^1]:0.0000} (from {curve.Low[^1]:0.0000} to {curve.High[^1]:0.0000})"));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        CurvePicture.Save(curves, title ?? string.Empty, metric == "bpd" ? (train ? "training bits per dimension" : "test bits per dimension") : (train ? "training nll (nats)" : "test nll (nats)"), output);
        context.Output.WriteLine($"Wrote {output}.");
        return 0;
    }

    private static string RunFolder(string path)
    {
        string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) == Checkpoint.FolderName ? Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path))! : path;
        if (!File.Exists(Path.Combine(folder, "metrics.jsonl")))
        {
            throw new FileNotFoundException($"{path}: no metrics.jsonl (is it a run folder?).", Path.Combine(folder, "metrics.jsonl"));
        }

        return folder;
    }
}
