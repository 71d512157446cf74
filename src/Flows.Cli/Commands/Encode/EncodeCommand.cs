using System.CommandLine;
using System.Globalization;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Cli.Commands.Encode;

/// <summary>
/// <c>flows encode CKPT -o latents.safetensors</c>: exact latents of test examples (dequantized at the bin
/// centres), one tensor per level named <c>z.level{i}</c>, plus their <c>labels</c> when the data have labels.
/// </summary>
internal static class EncodeCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var from = OptionRules.NonNegative(new Option<int>("--from") { Description = "First test example.", DefaultValueFactory = _ => 0 });
        var count = OptionRules.Positive(new Option<int>("--count", "-n") { Description = "Number of test examples.", DefaultValueFactory = _ => 16 });
        var output = new Option<string>("--out", "-o") { Description = "The safetensors file to write.", DefaultValueFactory = _ => "latents.safetensors" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("encode", "Encode test examples to their latents (safetensors, z.level0 ... z.levelL-1).") { ckpt, from, count, output, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new EncodeSettings(p.GetRequiredValue(ckpt), p.GetValue(from), p.GetValue(count), p.GetRequiredValue(output), p.GetValue(dataDir)), context));
        return command;
    }

    public static int Run(EncodeSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output, context.Cancellation);
        var test = loaded.Dataset.Test;
        if (s.From + s.Count > test.Count)
        {
            throw new UsageException($"--from {s.From} --count {s.Count} goes past the end of the test set ({test.Count} examples).");
        }

        var indices = new int[s.Count];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = s.From + i;
        }

        var z = LatentEdits.Encode(loaded.Model, test, indices);
        var tensors = new List<(string Name, Tensor Value)>();
        for (int level = 0; level < z.Count; level++)
        {
            tensors.Add((LatentName(level), z[level]));
        }

        if (test.Labels is { } labels)
        {
            var t = Tensor.Zeros(s.Count);
            for (int i = 0; i < s.Count; i++)
            {
                t.Span[i] = labels[s.From + i];
            }

            tensors.Add(("labels", t));
        }

        var metadata = new Dictionary<string, string>
        {
            ["checkpoint"] = loaded.Folder,
            ["data"] = loaded.Config.Data.Name,
            ["split"] = "test",
            ["from"] = s.From.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Write(s.Out, tensors, metadata);
        context.Output.WriteLine($"Wrote {s.Out}: latents of test examples {s.From}..{s.From + s.Count - 1}, "
            + string.Join(", ", tensors.Select(t => $"{t.Name} {Tensor.FormatShape(t.Value.Shape)}")) + ".");
        return 0;
    }

    /// <summary>The name of level <paramref name="level"/>'s latent in the file.</summary>
    public static string LatentName(int level) => string.Create(CultureInfo.InvariantCulture, $"z.level{level}");
}
