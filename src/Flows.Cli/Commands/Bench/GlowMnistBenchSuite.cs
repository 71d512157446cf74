using System.Diagnostics;
using System.Globalization;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// Runs every glow-mnist configuration in its own child process (peak RSS is a per-process high-water
/// mark): K with ordinary and with memory-efficient back-propagation, then K = 32 (training only) both
/// ways, and prints each child's lines prefixed by its configuration plus the depth-memory ratios.
/// </summary>
internal static class GlowMnistBenchSuite
{
    private const int DeepK = 32;

    public static int Run(GlowMnistBenchSettings s, CommandContext context)
    {
        var peaks = new Dictionary<(int K, bool MemoryEfficient), double>();
        foreach (bool memoryEfficient in new[] { false, true })
        {
            peaks[(s.StepsPerLevel, memoryEfficient)] = RunChild(s, s.StepsPerLevel, memoryEfficient, peakOnly: false, context);
        }

        foreach (bool memoryEfficient in new[] { false, true })
        {
            peaks[(DeepK, memoryEfficient)] = RunChild(s, DeepK, memoryEfficient, peakOnly: true, context);
        }

        foreach (bool memoryEfficient in new[] { false, true })
        {
            double ratio = peaks[(DeepK, memoryEfficient)] / peaks[(s.StepsPerLevel, memoryEfficient)];
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[memory-efficient={OnOff(memoryEfficient)}] peak_rss_ratio_k{DeepK}_over_k{s.StepsPerLevel} {ratio:F2} x"));
        }

        return 0;
    }

    private static double RunChild(GlowMnistBenchSettings s, int k, bool memoryEfficient, bool peakOnly, CommandContext context)
    {
        var (fileName, prefixArgs) = SelfCommand();
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in prefixArgs)
        {
            start.ArgumentList.Add(a);
        }

        string[] args =
        [
            "bench", "glow-mnist", "--k", Invariant(k), "--memory-efficient", memoryEfficient ? "true" : "false",
            "--batch", Invariant(s.Batch), "--threads", Invariant(s.Threads), "--seed", Invariant(s.Seed),
            "--steps", Invariant(peakOnly ? Math.Min(s.TimedSteps, 2) : s.TimedSteps), "--warmup", Invariant(peakOnly ? 1 : s.WarmupSteps),
            "--sample-reps", Invariant(s.SampleReps),
        ];
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (peakOnly)
        {
            start.ArgumentList.Add("--peak-only");
        }

        if (s.Profile && !peakOnly)
        {
            start.ArgumentList.Add("--profile");
        }

        string label = $"[K={k} memory-efficient={OnOff(memoryEfficient)}]";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var errors = process.StandardError.ReadToEndAsync();
        double peak = double.NaN;
        while (process.StandardOutput.ReadLine() is string line)
        {
            context.Output.WriteLine($"{label} {line}");
            context.Output.Flush();
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "peak_rss")
            {
                peak = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{label} failed with exit code {process.ExitCode}: {errors.Result.Trim()}");
        }

        return peak;
    }

    /// <summary>How to start this same program again: the apphost itself, or <c>dotnet flows.dll</c>.</summary>
    private static (string FileName, string[] PrefixArgs) SelfCommand()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path to start the benchmark configurations.");
        string name = Path.GetFileNameWithoutExtension(process);
        return string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase)
            ? (process, [typeof(GlowMnistBenchSuite).Assembly.Location])
            : (process, []);
    }

    private static string OnOff(bool value) => value ? "on" : "off";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
