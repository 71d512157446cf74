using System.Diagnostics;

namespace Flows.Cli.Tests;

/// <summary>
/// The README's C# quick-starts are real programs (docs/quickstart/*), built with the tests: each is in the
/// README word for word, and each runs and does what the README says it does.
/// </summary>
public class QuickStartTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flows.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return dir!.FullName;
    }

    /// <summary>Runs the built quick-start <paramref name="name"/> in <paramref name="workingDirectory"/> and returns its output.</summary>
    private static string Run(string name, string workingDirectory, params string[] args)
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        string dll = Path.Combine(Root(), "docs", "quickstart", name, "bin", configuration, "net10.0", $"{name}.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} exited {process.ExitCode}:\n{stderr}\n{stdout.Result}");
        return stdout.Result;
    }

    [Theory]
    [InlineData("images")]
    [InlineData("tabular")]
    [InlineData("zoo")]
    public void The_readme_shows_each_quick_start_word_for_word(string name)
    {
        string readme = File.ReadAllText(Path.Combine(Root(), "README.md")).ReplaceLineEndings("\n");
        string program = File.ReadAllText(Path.Combine(Root(), "docs", "quickstart", name, "Program.cs")).ReplaceLineEndings("\n");
        Assert.Contains("```csharp\n" + program + "```", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tabular_quick_start_flags_the_two_points_off_the_ring_and_inverts_exactly()
    {
        string output = Run("tabular", Cli.TempFolder());
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(", normal", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(", normal", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(", anomaly", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(", anomaly", lines[3], StringComparison.Ordinal);
        double error = double.Parse(lines[4][(lines[4].LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(Math.Abs(error), 0, 1e-4);
    }

    [Fact]
    public void The_image_quick_start_trains_scores_samples_and_saves_a_model_the_cli_can_sample()
    {
        Cli.Ok("data", "get", "mnist");
        string dir = Cli.TempFolder();
        string output = Run("images", dir, "100");
        Assert.Contains("step 100/100:", output, StringComparison.Ordinal);
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test: (?<v>[0-9.]+) bits/dim"), output);
        Assert.InRange(bpd, 1, 5); // 100 steps of the default recipe: about 4 (the untrained model is above 7)
        var (w, h, _, _) = Flows.Tests.IO.PngDecoder.Decode(File.ReadAllBytes(Path.Combine(dir, "samples.png")));
        Assert.Equal((2 + (8 * 30), 2 + (8 * 30)), (w, h));
        Cli.Ok("sample", Path.Combine(dir, "my-glow"), "--n", "4", "-o", Path.Combine(dir, "cli.png"));
        Assert.True(File.Exists(Path.Combine(dir, "cli.png")));
    }

    [Fact]
    public void The_zoo_quick_start_loads_the_zoo_glow_and_writes_digits()
    {
        string dir = Cli.TempFolder();
        string output = Run("zoo", dir, Path.Combine(Root(), "zoo", "glow-mnist"));
        Assert.StartsWith("Glow: 874,576 parameters, images 1x28x28", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "digits.png")));
    }
}
