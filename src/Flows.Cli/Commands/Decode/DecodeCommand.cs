using System.CommandLine;
using Flows.Cli.Commands.Encode;
using Flows.Data;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Cli.Commands.Decode;

/// <summary>
/// <c>flows decode CKPT latents.safetensors -o decoded.png</c>: decodes <c>z.level{i}</c> tensors (as
/// <c>flows encode</c> writes them) back to data: a PNG grid for images, and with <c>--tensors</c> the
/// decoded x as safetensors.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var latents = new Argument<string>("latents") { Description = "A safetensors file with z.level0 ... z.levelL-1." };
        var output = new Option<string?>("--out", "-o") { Description = "The PNG to write (images only; default decoded.png)." };
        var tensors = new Option<string?>("--tensors") { Description = "Also write the decoded x to this safetensors file." };
        var command = new Command("decode", "Decode latents (safetensors) back to data.") { ckpt, latents, output, tensors };
        CommandRunner.SetAction(command, (p, context) => Run(
            new DecodeSettings(p.GetRequiredValue(ckpt), p.GetRequiredValue(latents), p.GetValue(output), p.GetValue(tensors)), context));
        return command;
    }

    public static int Run(DecodeSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, null, context.Output, context.Cancellation);
        if (!File.Exists(s.Latents))
        {
            throw new UsageException($"The latents file '{s.Latents}' does not exist.");
        }

        var file = SafeTensors.Read(s.Latents);
        var z = new List<Tensor>();
        while (file.TryGetValue(EncodeCommand.LatentName(z.Count), out var t))
        {
            z.Add(t);
        }

        if (z.Count == 0)
        {
            throw new UsageException($"{s.Latents} holds no latents: expected tensors named z.level0, z.level1, ... (as 'flows encode' writes them).");
        }

        Tensor x;
        try
        {
            x = LatentEdits.Decode(loaded.Model, z);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{s.Latents} does not fit this model: {e.Message}", e);
        }

        if (s.Tensors is { } path)
        {
            SafeTensors.Write(path, [("x", x)]);
            context.Output.WriteLine($"Wrote {path}: x {Tensor.FormatShape(x.Shape)}.");
        }

        if (loaded.IsImages)
        {
            string png = s.Out ?? "decoded.png";
            PngWriter.Save(TensorImages.Grid(x, loaded.Dequantization, (int)Math.Ceiling(Math.Sqrt(x.Shape[0]))), png);
            context.Output.WriteLine($"Wrote {png}: {x.Shape[0]} decoded images.");
        }
        else if (s.Tensors is null)
        {
            throw new UsageException("This model's data are points, not images: give --tensors FILE to write the decoded points.");
        }

        return 0;
    }
}
