using System.Text.Json;

namespace Flows.Cli.Tests;

/// <summary>
/// The regression test for the default training recipe (issue: the README's main job diverged): the benchmark
/// Glow trained on real MNIST with nothing but the defaults must leave the ~6-7 bits/dim start within
/// <see cref="Steps"/> steps without a skipped or redone step. The recipe it replaced (Adam 1e-3 after a
/// 200-step warm-up, no clipping, no log-scale rate, no guard) is run as well and must stay above the bar,
/// so the check is shown to be able to fail.
/// </summary>
public class DefaultRecipeTests
{
    private const int Steps = 100;

    /// <summary>The median train bpd of steps 91-100 must be below this.</summary>
    private const double Bar = 4.5;

    [Fact]
    public void The_default_recipe_trains_the_benchmark_glow_on_mnist_quickly_and_without_trouble()
    {
        Cli.Ok("data", "get", "mnist");
        string dir = Cli.TempFolder();
        string fresh = Train(Path.Combine(dir, "default"));
        Assert.DoesNotContain(" skipped: ", fresh, StringComparison.Ordinal);
        Assert.DoesNotContain("the memory-efficient gradient was not finite", fresh, StringComparison.Ordinal);
        Assert.DoesNotContain("rolled back", fresh, StringComparison.Ordinal);
        Assert.Contains("0 not applied (non-finite or a loss spike), 0 redone with ordinary backprop", fresh, StringComparison.Ordinal);
        double now = LateMedian(Path.Combine(dir, "default"));
        Assert.True(now < Bar, $"default recipe: median train bpd of steps {Steps - 9}-{Steps} is {now:0.000}, not below {Bar}");

        Train(Path.Combine(dir, "old"), "--warmup", "200", "--clip", "0", "--log-scale-rate", "1", "--divergence-guard", "false");
        double old = LateMedian(Path.Combine(dir, "old"));
        Assert.True(old > Bar, $"the replaced recipe reached {old:0.000} by step {Steps}: the bar no longer tells the recipes apart");
        Directory.Delete(dir, true);
    }

    private static string Train(string run, params string[] recipe)
        => Cli.Ok([
            "train", "--model", "glow", "--data", "mnist", "--steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--test-size", "100", "--out", run, .. recipe]);

    private static double LateMedian(string run)
    {
        var late = new List<double>();
        foreach (string line in File.ReadLines(Path.Combine(run, "metrics.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.GetProperty("kind").GetString() == "train" && root.GetProperty("step").GetInt64() > Steps - 10)
            {
                late.Add(root.GetProperty("value").GetDouble());
            }
        }

        Assert.Equal(10, late.Count);
        late.Sort();
        return 0.5 * (late[4] + late[5]);
    }
}
