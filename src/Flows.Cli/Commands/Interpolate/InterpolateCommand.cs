using System.CommandLine;
using Flows.Data;
using Flows.IO;
using Flows.Training;

namespace Flows.Cli.Commands.Interpolate;

/// <summary><c>flows interpolate CKPT --from I --to J --steps 8 -o interp.png</c>: a straight line in latent space between two test images.</summary>
internal static class InterpolateCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var from = OptionRules.NonNegative(new Option<int>("--from") { Description = "Index of the first test image.", DefaultValueFactory = _ => 0 });
        var to = OptionRules.NonNegative(new Option<int>("--to") { Description = "Index of the last test image.", DefaultValueFactory = _ => 1 });
        var steps = new Option<int>("--steps") { Description = "Images along the path, both ends included (at least 2).", DefaultValueFactory = _ => 8 };
        OptionRules.Check(steps, v => v >= 2, "must be at least 2");
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", DefaultValueFactory = _ => "interp.png" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("interpolate", "Decode points on the line between the latents of two test images.") { ckpt, from, to, steps, output, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new InterpolateSettings(p.GetRequiredValue(ckpt), p.GetValue(from), p.GetValue(to), p.GetValue(steps), p.GetRequiredValue(output), p.GetValue(dataDir)), context));
        return command;
    }

    public static int Run(InterpolateSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output);
        loaded.RequireImages("interpolate");
        var test = loaded.Dataset.Test;
        int i = loaded.TestIndex(s.From, "--from"), j = loaded.TestIndex(s.To, "--to");
        var a = LatentEdits.Encode(loaded.Model, test, [i]);
        var b = LatentEdits.Encode(loaded.Model, test, [j]);
        var path = LatentEdits.Interpolate(loaded.Model, a, b, s.Steps);
        var picture = TensorImages.Grid(path, loaded.Dequantization, s.Steps);
        PngWriter.Save(picture, s.Out);
        context.Output.WriteLine($"Wrote {s.Out}: {s.Steps} images from test image {i} to test image {j}.");
        return 0;
    }
}
