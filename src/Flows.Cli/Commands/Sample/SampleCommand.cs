using System.CommandLine;
using System.Globalization;
using Flows.Data;
using Flows.IO;
using Flows.Training;

namespace Flows.Cli.Commands.Sample;

/// <summary>
/// <c>flows sample CKPT --n 64 --temperature 0.7 -o grid.png</c>, or <c>--sweep</c> for one row per
/// temperature (0, 0.25, 0.6, 0.7, 0.8, 0.9, 1.0). For 2-D models: data, density and samples side by side.
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var n = OptionRules.Positive(new Option<int>("--n") { Description = "Number of samples (with --sweep: samples per row).", DefaultValueFactory = _ => 64 });
        var temperature = OptionRules.NonNegative(new Option<float>("--temperature", "-t") { Description = "Scale of the prior's standard deviation.", DefaultValueFactory = _ => 0.7f });
        var sweep = new Option<bool>("--sweep") { Description = "One row per temperature 0, 0.25, 0.6, 0.7, 0.8, 0.9, 1.0." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the prior noise.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", DefaultValueFactory = _ => "samples.png" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder (2-D models show their data)." };
        var command = new Command("sample", "Draw samples from a checkpoint into a PNG grid (or a temperature sweep).") { ckpt, n, temperature, sweep, seed, output, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new SampleSettings(p.GetRequiredValue(ckpt), p.GetValue(n), p.GetValue(temperature), p.GetValue(sweep), p.GetValue(seed), p.GetRequiredValue(output), p.GetValue(dataDir)),
            context));
        return command;
    }

    public static int Run(SampleSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output);
        RasterImage picture;
        string what;
        if (!loaded.IsImages)
        {
            var points = loaded.Dataset.Test as PointSplit ?? throw new UsageException("This checkpoint's data are neither images nor 2-D points.");
            picture = Pictures.PointPanels(loaded.Model, points, s.Seed, sampleCount: Math.Max(s.N, 1000));
            what = "data | density | samples";
        }
        else if (s.Sweep)
        {
            picture = Pictures.TemperatureSweep(loaded.Model, loaded.Dequantization, s.N, Pictures.SweepTemperatures, s.Seed);
            what = string.Create(CultureInfo.InvariantCulture, $"{s.N} samples at each temperature {string.Join(", ", Pictures.SweepTemperatures)} (one row each)");
        }
        else
        {
            picture = Pictures.SampleGrid(loaded.Model, loaded.Dequantization, s.N, s.Temperature, s.Seed);
            what = string.Create(CultureInfo.InvariantCulture, $"{s.N} samples at temperature {s.Temperature}");
        }

        PngWriter.Save(picture, s.Out);
        context.Output.WriteLine($"Wrote {s.Out} ({picture.Width}x{picture.Height}): {what}.");
        return 0;
    }
}
