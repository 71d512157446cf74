using System.Diagnostics;

namespace Flows.Cli.Tests;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM while a model is being built — a new run or a resumed one — end the command at once with
/// one line, and nothing is written. The model is a Glow of 100,000 steps on 8x8 images, which takes minutes to build
/// here (measured: 233 s for the build and one step), so a signal three seconds in arrives during the build.
/// </summary>
public sealed class CancelWhileBuildingTests
{
    private static async Task<(int Code, string Output, string Error, double Seconds)> SignalAfter(string signal, TimeSpan delay, params string[] args)
    {
        using var process = Cli.Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await Task.Delay(delay);
        Assert.False(process.HasExited, "the command ended before the signal");
        using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        var clock = Stopwatch.StartNew();
        bool ended = process.WaitForExit(60_000);
        if (!ended)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(ended, $"SIGINT/SIGTERM was not honoured within 60 s while the model was built");
        return (process.ExitCode, await output, (await error).Trim(), clock.Elapsed.TotalSeconds);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_while_a_new_model_is_built_ends_the_command_and_writes_nothing(string signal)
    {
        string data = Cli.ImageFolder(32, 8, 8, 5);
        string run = Path.Combine(Cli.TempFolder(), "deep");
        var (code, output, error, seconds) = await SignalAfter(signal, TimeSpan.FromSeconds(3),
            "train", "--data", data, "-L", "1", "-K", "100000", "--hidden", "4", "--batch", "16", "--steps", "1", "--threads", "1", "--out", run);
        Assert.Equal(1, code);
        Assert.DoesNotContain("Training glow", output, StringComparison.Ordinal); // it was still building
        Assert.Single(error.Split('\n'));
        Assert.StartsWith("error: cancelled (Ctrl+C or SIGTERM)", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), "a cancelled build wrote a run folder");
        Assert.True(seconds < 30, $"ended {seconds:F1} s after the signal");
        Directory.Delete(data, true);
    }

    [Fact]
    public async Task Ctrl_c_while_a_resumed_model_is_built_leaves_the_run_as_it_was()
    {
        string data = Cli.ImageFolder(32, 8, 8, 6);
        string run = Path.Combine(Cli.TempFolder(), "deep");

        // A run whose configuration is deep: written by a short run, then its config deepened as a resumed run would find it
        // (the steps do not exist in its weights, so the resume would fail at loading if the build were not cancelled first).
        Cli.Ok("train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", "1", "--out", run);
        string config = Path.Combine(run, "checkpoint", "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"stepsPerLevel\": 1,", "\"stepsPerLevel\": 100000,", StringComparison.Ordinal));
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var (code, _, error, _) = await SignalAfter("INT", TimeSpan.FromSeconds(3), "train", "--resume", run, "--steps", "2", "--threads", "1");
        Assert.Equal(1, code);
        Assert.StartsWith("error: cancelled (Ctrl+C or SIGTERM)", error, StringComparison.Ordinal);
        var after = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
        Directory.Delete(data, true);
        Directory.Delete(run, true);
    }
}
