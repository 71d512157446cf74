using System.CommandLine;
using System.Globalization;
using Flows.Data;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Cli.Commands.Manipulate;

/// <summary>
/// <c>flows manipulate CKPT --label K</c>: Glow's attribute manipulation. The direction is the mean latent
/// of training images with label K minus that of the others; each row is a test image with the direction
/// added at each strength.
/// </summary>
internal static class ManipulateCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var label = new Option<string>("--label") { Description = "The label (a number, or a class name such as 'sneaker').", Required = true };
        var images = new Option<string>("--images") { Description = "Test images to edit, comma-separated indices.", DefaultValueFactory = _ => "0,1,2,3" };
        var strengths = new Option<string>("--strengths") { Description = "Multiples of the direction to add, comma-separated.", DefaultValueFactory = _ => "-1.5,-1,-0.5,0,0.5,1,1.5" };
        var reference = OptionRules.Positive(new Option<int>("--reference") { Description = "Training images averaged for the direction.", DefaultValueFactory = _ => 2000 });
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", DefaultValueFactory = _ => "manipulate.png" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("manipulate", "Move test images along a label's direction in latent space (Glow, section 5.3).") { ckpt, label, images, strengths, reference, output, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new ManipulateSettings(
                p.GetRequiredValue(ckpt),
                p.GetRequiredValue(label),
                ListParser.Integers(p.GetRequiredValue(images), "--images"),
                ListParser.Floats(p.GetRequiredValue(strengths), "--strengths"),
                p.GetValue(reference),
                p.GetRequiredValue(output),
                p.GetValue(dataDir)),
            context));
        return command;
    }

    public static int Run(ManipulateSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output, context.Cancellation);
        loaded.RequireImages("manipulate");
        var dataset = loaded.Dataset;
        if (dataset.Train.Labels is null || dataset.Test.Labels is null)
        {
            throw new UsageException($"{dataset.Name} has no labels, so there is nothing to manipulate.");
        }

        int label = ResolveLabel(s.Label, dataset.ClassNames, dataset.Train.Labels);
        var indices = new int[s.Images.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = loaded.TestIndex(s.Images[i], "--images");
        }

        var direction = LatentEdits.AttributeDirection(loaded.Model, dataset.Train, label, s.Reference);
        var z = LatentEdits.Encode(loaded.Model, dataset.Test, indices);
        var edited = LatentEdits.Manipulate(loaded.Model, z, direction, s.Strengths);
        var picture = TensorImages.Grid(edited, loaded.Dequantization, s.Strengths.Length);
        PngWriter.Save(picture, s.Out);
        string name = label < dataset.ClassNames.Count ? $"{label} ({dataset.ClassNames[label]})" : label.ToString(CultureInfo.InvariantCulture);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {s.Out}: test images {string.Join(", ", indices)} (rows) moved along the direction of label {name} at strengths {string.Join(", ", s.Strengths)} (columns)."));
        return 0;
    }

    private static int ResolveLabel(string text, IReadOnlyList<string> classNames, byte[] labels)
    {
        int max = 0;
        foreach (byte l in labels)
        {
            max = Math.Max(max, l);
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            if (value < 0 || value > max)
            {
                throw new UsageException($"--label {value}: the data have labels 0 to {max}.");
            }

            return value;
        }

        for (int i = 0; i < classNames.Count; i++)
        {
            if (string.Equals(classNames[i], text, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new UsageException($"--label '{text}' is neither a number nor a class name{(classNames.Count > 0 ? $" ({string.Join(", ", classNames)})" : string.Empty)}.");
    }
}
