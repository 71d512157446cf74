using System.Diagnostics;

namespace Flows.Cli.Tests;

/// <summary>
/// kill -9 of a training process that checkpoints every step, at several moments (some inside a save): the run folder
/// always holds a checkpoint that evaluates and resumes, and no partial folder survives the next start.
/// </summary>
public sealed class KillTests
{
    [Theory]
    [InlineData(300)]
    [InlineData(1100)]
    [InlineData(2300)]
    public async Task A_run_killed_while_it_saves_every_step_resumes_from_a_valid_checkpoint(int millisecondsAfterFirstSave)
    {
        string run = Path.Combine(Cli.TempFolder(), "killed");
        using var process = Cli.Start("train", "--model", "nice", "--data", "moons", "-K", "4", "--hidden", "256", "--batch", "64",
            "--steps", "100000", "--checkpoint-every", "1", "--test-size", "100", "--threads", "1", "--out", run);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        string state = Path.Combine(run, "checkpoint", "state.json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(state) && clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
        {
            await Task.Delay(20);
        }

        if (!File.Exists(state))
        {
            process.Kill();
            Assert.Fail($"no checkpoint appeared: {await error}");
        }

        await Task.Delay(millisecondsAfterFirstSave);
        process.Kill(); // SIGKILL: no handler runs, a save may be half done
        await process.WaitForExitAsync();
        await output;
        await error;

        // What is on disk evaluates, and the run resumes from it.
        Assert.Contains("test nll", Cli.Ok("eval", run), StringComparison.Ordinal);
        long step = long.Parse(System.Text.RegularExpressions.Regex.Match(File.ReadAllText(state), "\"step\": (\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string resumed = Cli.Ok("train", "--resume", run, "--steps", (step + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"at step {step}", resumed, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(run, "*.tmp-*").Concat(Directory.GetDirectories(run, "*.old-*")));
        Directory.Delete(run, recursive: true);
    }
}
