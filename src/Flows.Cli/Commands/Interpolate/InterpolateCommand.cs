using System.CommandLine;
using Flows.Data;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Cli.Commands.Interpolate;

/// <summary>
/// <c>flows interpolate CKPT --from I --to J --steps 8 -o interp.png</c>: a straight line in latent space between two
/// test images; <c>--from 0,2,4 --to 1,3,5</c> gives one row per pair.
/// </summary>
internal static class InterpolateCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var from = new Option<string>("--from") { Description = "Index of the first test image (comma-separated for one row per pair, e.g. 0,2,4).", DefaultValueFactory = _ => "0" };
        var to = new Option<string>("--to") { Description = "Index of the last test image (as many as --from).", DefaultValueFactory = _ => "1" };
        var steps = new Option<int>("--steps") { Description = "Images along the path, both ends included (at least 2).", DefaultValueFactory = _ => 8 };
        OptionRules.Check(steps, v => v >= 2, "must be at least 2");
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", DefaultValueFactory = _ => "interp.png" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("interpolate", "Decode points on the line between the latents of two test images.") { ckpt, from, to, steps, output, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new InterpolateSettings(p.GetRequiredValue(ckpt), ListParser.Integers(p.GetRequiredValue(from), "--from"), ListParser.Integers(p.GetRequiredValue(to), "--to"), p.GetValue(steps), p.GetRequiredValue(output), p.GetValue(dataDir)), context));
        return command;
    }

    public static int Run(InterpolateSettings s, CommandContext context)
    {
        if (s.From.Length != s.To.Length)
        {
            throw new UsageException($"--from has {s.From.Length} indices and --to {s.To.Length}; give one --to for every --from.");
        }

        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output, context.Cancellation);
        loaded.RequireImages("interpolate");
        var test = loaded.Dataset.Test;
        int[] from = [.. s.From.Select(i => loaded.TestIndex(i, "--from"))], to = [.. s.To.Select(j => loaded.TestIndex(j, "--to"))];
        var tiles = new List<RasterImage>();
        for (int r = 0; r < from.Length; r++)
        {
            var a = LatentEdits.Encode(loaded.Model, test, [from[r]]);
            var b = LatentEdits.Encode(loaded.Model, test, [to[r]]);
            var path = LatentEdits.Interpolate(loaded.Model, a, b, s.Steps);
            tiles.AddRange(TensorImages.ToTiles(path, loaded.Dequantization));
            path.Release();
        }

        var picture = ImageGrid.Compose(tiles, s.Steps);
        PngWriter.Save(picture, s.Out);
        string pairs = string.Join(", ", from.Zip(to, (i, j) => $"{i} → {j}"));
        context.Output.WriteLine($"Wrote {s.Out}: {s.Steps} images from test image to test image, one row per pair: {pairs}.");
        return 0;
    }
}
