using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Flows.Bench;

/// <summary>
/// Entry point. The first argument picks a mode: <c>quick</c> prints one plain line per engine figure
/// (for bench/compare-engine.sh), <c>direct</c> times the direct convolution tiles against spans
/// (<see cref="DirectConvAb"/>), <c>peak</c> measures the machine's FMA throughput right now
/// (<see cref="PeakFlops"/>); anything else goes to BenchmarkDotNet's switcher. Add a mode by adding a
/// case to <see cref="Modes"/>.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, Func<string[], int>> Modes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["quick"] = EngineQuick.Run,
        ["direct"] = DirectConvAb.Run,
        ["peak"] = PeakFlops.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length > 0 && Modes.TryGetValue(args[0], out var mode))
        {
            return mode(args[1..]);
        }

        // In-process and short: the plain baselines take ~1 s per call, and a separate boilerplate build
        // times out on the shared machine.
        var job = Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(7).WithToolchain(InProcessEmitToolchain.Instance);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, DefaultConfig.Instance.AddJob(job));
        return 0;
    }
}
