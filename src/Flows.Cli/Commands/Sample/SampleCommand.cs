using System.CommandLine;
using System.Globalization;
using Flows.Data;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Cli.Commands.Sample;

/// <summary>
/// <c>flows sample CKPT --n 64 --temperature 0.7 -o grid.png</c>, or <c>--sweep</c> for one row per
/// temperature (0, 0.25, 0.6, 0.7, 0.8, 0.9, 1.0). For 2-D models: data, density and samples side by side.
/// For class-conditional models: one row per class (or per label of <c>--class</c>).
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string[]>("checkpoint") { Description = "A checkpoint folder or a run folder; for 2-D models, several (on the same data) give the data and each one's density side by side.", Arity = ArgumentArity.OneOrMore };
        var n = OptionRules.Positive(new Option<int>("--n") { Description = "Number of samples (with --sweep: samples per row).", DefaultValueFactory = _ => 64 });
        var temperature = OptionRules.NonNegative(new Option<float>("--temperature", "-t") { Description = "Scale of the prior's standard deviation.", DefaultValueFactory = _ => 0.7f });
        var sweep = new Option<bool>("--sweep") { Description = "One row per temperature 0, 0.25, 0.6, 0.7, 0.8, 0.9, 1.0." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the prior noise.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", DefaultValueFactory = _ => "samples.png" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder (2-D models show their data)." };
        var classes = new Option<string?>("--class") { Description = "Class-conditional models (train --conditional): sample these labels, e.g. 3 or 0,1,2, one row each (default: every class)." };
        var command = new Command("sample", "Draw samples from a checkpoint into a PNG grid (or a temperature sweep); one row per class for class-conditional models.") { ckpt, n, temperature, sweep, seed, output, dataDir, classes };
        CommandRunner.SetAction(command, (p, context) => Run(
            new SampleSettings(p.GetRequiredValue(ckpt)[0], p.GetValue(n), p.GetValue(temperature), p.GetValue(sweep), p.GetValue(seed), p.GetRequiredValue(output), p.GetValue(dataDir))
            {
                Classes = p.GetValue(classes) is { } list ? ListParser.Integers(list, "--class") : null,
                Others = p.GetRequiredValue(ckpt)[1..],
            },
            context));
        return command;
    }

    public static int Run(SampleSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output, context.Cancellation);
        RasterImage picture;
        string what;
        int classCount = loaded.Model.Classes;
        if (s.Classes is not null && classCount == 0)
        {
            throw new UsageException("--class needs a class-conditional model (flows train --conditional); this one is not.");
        }

        if (s.Classes is { } chosen && chosen.Any(c => c < 0 || c >= classCount))
        {
            throw new UsageException($"--class: the model has classes 0 to {classCount - 1}; got {string.Join(",", chosen)}.");
        }

        if (s.Others.Length > 0)
        {
            if (loaded.IsImages)
            {
                throw new UsageException("Several checkpoints are compared for 2-D models only; sample image models one at a time.");
            }

            var models = new List<Flows.Models.FlowModel> { loaded.Model };
            foreach (string other in s.Others)
            {
                var next = LoadedCheckpoint.Open(other, s.DataDir, context.Output, context.Cancellation);
                if (next.IsImages || next.Config.Data.Name != loaded.Config.Data.Name)
                {
                    throw new UsageException($"{other}: not a 2-D model of {loaded.Config.Data.Name}; compared checkpoints must share their data.");
                }

                models.Add(next.Model);
            }

            var points = loaded.Dataset.Test as PointSplit ?? throw new UsageException("This checkpoint's data are not 2-D points.");
            picture = ModelPictures.DensityPanels(models, points);
            PngWriter.Save(picture, s.Out);
            context.Output.WriteLine($"Wrote {s.Out} ({picture.Width}x{picture.Height}): data | density of {string.Join(" | ", new[] { s.Checkpoint }.Concat(s.Others))}.");
            return 0;
        }

        if (classCount > 0 && s.Sweep)
        {
            throw new UsageException("--sweep is for unconditional models; for a class-conditional one, use --temperature with --class.");
        }

        if (classCount > 0)
        {
            int[] labels = s.Classes ?? [.. Enumerable.Range(0, classCount)];
            int perRow = Math.Max(1, (s.N + labels.Length - 1) / labels.Length);
            picture = ModelPictures.ClassGrid(loaded.Model, loaded.Dequantization, labels, perRow, s.Temperature, s.Seed);
            string[] names = [.. loaded.Config.Data.ClassNames ?? []];
            string Name(int c) => c < names.Length && names[c] != $"{c}" ? $"{c} ({names[c]})" : $"{c}";
            what = string.Create(CultureInfo.InvariantCulture, $"{perRow} samples per class at temperature {s.Temperature}, one row each: {string.Join(", ", labels.Select(Name))}");
        }
        else if (!loaded.IsImages)
        {
            var points = loaded.Dataset.Test as PointSplit ?? throw new UsageException("This checkpoint's data are neither images nor 2-D points.");
            picture = ModelPictures.PointPanels(loaded.Model, points, s.Seed, sampleCount: Math.Max(s.N, 1000));
            what = "data | density | samples";
        }
        else if (s.Sweep)
        {
            picture = ModelPictures.TemperatureSweep(loaded.Model, loaded.Dequantization, s.N, ModelPictures.SweepTemperatures, s.Seed);
            what = string.Create(CultureInfo.InvariantCulture, $"{s.N} samples at each temperature {string.Join(", ", ModelPictures.SweepTemperatures)} (one row each)");
        }
        else
        {
            picture = ModelPictures.SampleGrid(loaded.Model, loaded.Dequantization, s.N, s.Temperature, s.Seed);
            what = string.Create(CultureInfo.InvariantCulture, $"{s.N} samples at temperature {s.Temperature}");
        }

        PngWriter.Save(picture, s.Out);
        context.Output.WriteLine($"Wrote {s.Out} ({picture.Width}x{picture.Height}): {what}.");
        return 0;
    }
}
