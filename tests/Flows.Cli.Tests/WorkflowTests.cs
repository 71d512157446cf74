using System.Globalization;
using System.Text.RegularExpressions;
using Flows.Data;
using Flows.IO;
using Flows.Tests.IO;

namespace Flows.Cli.Tests;

/// <summary>The verbs end to end on small data that need no download: 2-D moons and a folder of random IDX images.</summary>
public partial class WorkflowTests
{
    [GeneratedRegex(@"test (bpd|nll): (?<v>[-0-9.eE+]+)")]
    private static partial Regex TestMetric();

    [GeneratedRegex(@"max \|x - Decode\(Encode\(x\)\)\| = (?<v>[-0-9.eE+]+)")]
    private static partial Regex InvertibilityError();

    internal static double Number(Regex regex, string text)
    {
        var m = regex.Match(text);
        Assert.True(m.Success, $"no match for {regex} in:\n{text}");
        return double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TwoDimensionalDataTrainEvaluatePictureAndRoundTripThroughLatents()
    {
        string dir = Cli.TempFolder();
        string run = Path.Combine(dir, "moons");
        string trainOut = Cli.Ok("train", "--model", "realnvp", "--data", "moons", "-K", "4", "--hidden", "32", "--batch", "128",
            "--steps", "40", "--lr", "3e-3", "--warmup", "5", "--test-size", "500", "--train-size", "2560", "--out", run);
        Assert.Contains("test: step 20 (epoch 1)", trainOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "curve.svg")));

        string eval = Cli.Ok("eval", run);
        Assert.True(double.IsFinite(Number(TestMetric(), eval)));
        Assert.InRange(Number(InvertibilityError(), eval), 0, 1e-4);

        string png = Path.Combine(dir, "moons.png");
        Cli.Ok("sample", run, "-o", png);
        var (w, h, c, _) = PngDecoder.Decode(File.ReadAllBytes(png));
        Assert.Equal(3, c);
        Assert.True(w > 2 * h, "three panels side by side");

        // Several 2-D checkpoints of the same data: the data, then each one's density.
        string nice = Path.Combine(dir, "moons-nice");
        Cli.Ok("train", "--model", "nice", "--data", "moons", "-K", "2", "--hidden", "8", "--batch", "128", "--steps", "2", "--test-size", "100", "--out", nice);
        string compared = Path.Combine(dir, "compared.png");
        Assert.Contains("data | density of", Cli.Ok("sample", run, nice, run, "-o", compared), StringComparison.Ordinal);
        var (w4, h4, _, _) = PngDecoder.Decode(File.ReadAllBytes(compared));
        Assert.True(w4 > 3.5 * h4 && w4 < 4.5 * h4, $"four panels side by side: {w4}x{h4}");
        string rings = Path.Combine(dir, "rings");
        Cli.Ok("train", "--model", "nice", "--data", "rings", "-K", "2", "--hidden", "8", "--batch", "128", "--steps", "2", "--test-size", "100", "--out", rings);
        var (code, _, error) = Cli.Run("sample", run, rings, "-o", compared);
        Assert.Equal(2, code);
        Assert.Contains("share their data", error, StringComparison.Ordinal);

        string z = Path.Combine(dir, "z.safetensors"), x = Path.Combine(dir, "x.safetensors");
        Cli.Ok("encode", run, "--from", "10", "-n", "5", "-o", z);
        Cli.Ok("decode", run, z, "--tensors", x);
        var decoded = SafeTensors.Read(x)["x"];
        var test = (PointSplit)Datasets.Open("moons").Test;
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(test.Points[20 + i], decoded.Span[i], 4);
        }

        Directory.Delete(dir, true);
    }

    [Fact]
    public void ImagesTwoNStepsEqualNStepsPlusResumePlusNStepsBitForBit()
    {
        string data = Cli.ImageFolder(96, 16, 8, 2);
        string dir = Cli.TempFolder();
        // A cosine decay spans the run's length, which this resume changes from 5 to 10 steps: a constant rate here.
        string[] common = ["--data", data, "-L", "1", "-K", "2", "--hidden", "8", "--batch", "16", "--warmup", "2", "--test-size", "16", "--checkpoint-every", "4", "--cosine-decay", "false"];
        Cli.Ok(["train", .. common, "--steps", "10", "--out", Path.Combine(dir, "straight")]);
        Cli.Ok(["train", .. common, "--steps", "5", "--out", Path.Combine(dir, "split")]);
        string resumed = Cli.Ok("train", "--resume", Path.Combine(dir, "split"), "--steps", "10");
        Assert.Contains("Resuming", resumed, StringComparison.Ordinal);

        foreach (string file in new[] { "model.safetensors", "optimizer.safetensors" })
        {
            byte[] a = File.ReadAllBytes(Path.Combine(dir, "straight", "checkpoint", file));
            byte[] b = File.ReadAllBytes(Path.Combine(dir, "split", "checkpoint", file));
            Assert.True(a.AsSpan().SequenceEqual(b), $"{file} differs between 10 steps and 5 + resume + 5 steps.");
        }

        // The dequantization noise stream continued exactly, too.
        Assert.Equal(
            File.ReadAllText(Path.Combine(dir, "straight", "checkpoint", "state.json")).Split("elapsedSeconds")[0],
            File.ReadAllText(Path.Combine(dir, "split", "checkpoint", "state.json")).Split("elapsedSeconds")[0]);
        Directory.Delete(dir, true);
        Directory.Delete(data, true);
    }

    [Fact]
    public void AFreshRunRefusesAFolderThatHoldsARun()
    {
        string data = Cli.ImageFolder(32, 8, 4, 3);
        string run = Path.Combine(Cli.TempFolder(), "r");
        string[] args = ["train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", "1", "--out", run];
        Cli.Ok(args);
        var (code, _, error) = Cli.Run(args);
        Assert.NotEqual(0, code);
        Assert.Contains("already holds a run", error, StringComparison.Ordinal);
        Directory.Delete(data, true);
    }

    [Fact]
    public void Classes_restrict_training_and_evaluation_to_those_labels_and_survive_resume()
    {
        string data = Cli.ImageFolder(96, 30, 8, 4); // labels i % 3: 32 train and 10 test images of class 1
        string run = Path.Combine(Cli.TempFolder(), "one-class");
        string[] common = ["--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--classes", "1"];
        string output = Cli.Ok(["train", .. common, "--steps", "2", "--out", run]);
        Assert.Contains("(32 train, 10 test,", output, StringComparison.Ordinal);
        Assert.Contains("on 10 examples", output, StringComparison.Ordinal);
        Assert.Contains("\"classes\": [", File.ReadAllText(Path.Combine(run, "checkpoint", "config.json")), StringComparison.Ordinal);
        Assert.Contains("on 10 examples", Cli.Ok("train", "--resume", run, "--steps", "3"), StringComparison.Ordinal);
        Assert.Contains("10 examples", Cli.Ok("eval", run), StringComparison.Ordinal);

        var (code, _, error) = Cli.Run(["train", .. common[..^1], "7", "--steps", "1", "--out", run + "-bad"]);
        Assert.Equal(2, code);
        Assert.Contains("class 7", error, StringComparison.Ordinal);
        (code, _, error) = Cli.Run("train", "--data", "moons", "--classes", "1", "--steps", "1", "--out", run + "-moons");
        Assert.Equal(2, code);
        Assert.Contains("no labels", error, StringComparison.Ordinal);
        Directory.Delete(data, true);
    }

    [Fact]
    public void A_conditional_glow_trains_on_labels_samples_chosen_classes_and_evaluates_the_marginal()
    {
        string data = Cli.ImageFolder(96, 30, 8, 4); // labels i % 3
        string run = Path.Combine(Cli.TempFolder(), "conditional");
        string output = Cli.Ok("train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--conditional", "--steps", "3", "--out", run);
        Assert.Contains("class-conditional on 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("\"classes\": 3", File.ReadAllText(Path.Combine(run, "checkpoint", "config.json")), StringComparison.Ordinal);
        Assert.Contains("test bpd", Cli.Ok("eval", run), StringComparison.Ordinal);

        string png = Path.Combine(run, "classes.png");
        string sampled = Cli.Ok("sample", run, "--class", "0,2", "--n", "8", "-o", png);
        Assert.Contains("4 samples per class", sampled, StringComparison.Ordinal);
        Assert.True(new FileInfo(png).Length > 0);
        Assert.Contains("one row each: 0, 1, 2", Cli.Ok("sample", run, "--n", "6", "-o", png), StringComparison.Ordinal);

        var (code, _, error) = Cli.Run("sample", run, "--class", "3", "-o", png);
        Assert.Equal(2, code);
        Assert.Contains("classes 0 to 2", error, StringComparison.Ordinal);
        (code, _, error) = Cli.Run("train", "--data", "moons", "--conditional", "--steps", "1", "--out", run + "-moons");
        Assert.Equal(2, code);
        Assert.Contains("--conditional", error, StringComparison.Ordinal);
        (code, _, error) = Cli.Run("train", "--model", "nice", "--data", data, "--conditional", "--steps", "1", "--out", run + "-nice");
        Assert.Equal(2, code);
        Assert.Contains("Glow on images only", error, StringComparison.Ordinal);

        string plain = run + "-plain";
        Cli.Ok("train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", "1", "--out", plain);
        (code, _, error) = Cli.Run("sample", plain, "--class", "1", "-o", png);
        Assert.Equal(2, code);
        Assert.Contains("--conditional", error, StringComparison.Ordinal);
        Directory.Delete(data, true);
    }
}
