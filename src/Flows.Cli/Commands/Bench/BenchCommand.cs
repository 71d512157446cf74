using System.CommandLine;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// <c>flows bench glow-mnist [--k 8] [--memory-efficient true|false] [--steps 30] [--threads 2] [--peak-only]
/// [--profile] [--train-minutes M] [--record DIR]</c>: the speed, memory and time-to-quality figures of the glow-mnist
/// benchmark model, one line per figure (<c>name value unit</c>, the line format of bench/python/glow_mnist.py).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks on the glow-mnist model (shared/benchmarks/glow-mnist.md).");
        var glow = new Command("glow-mnist", "Training and sampling throughput and peak memory of glow-mnist; without --memory-efficient, both settings and K = 32, each in its own process.");
        var k = new Option<int>("--k") { Description = "Steps per level (8 in the spec).", DefaultValueFactory = _ => 8 };
        var memoryEfficient = new Option<bool?>("--memory-efficient") { Description = "Reversible back-propagation on or off; when absent, every configuration runs in its own process." };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps after the warm-up.", DefaultValueFactory = _ => 30 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 5 };
        var sampleReps = new Option<int>("--sample-reps") { Description = "Timed sampling batches.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads.", DefaultValueFactory = _ => 2 };
        var peakOnly = new Option<bool>("--peak-only") { Description = "Stop after training: peak RSS of training alone." };
        var profile = new Option<bool>("--profile") { Description = "Also print where a training step's time goes." };
        var trainMinutes = new Option<double?>("--train-minutes") { Description = "Train from scratch for this many minutes, then print the test bpd on all 10,000 test images." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the model, batch order and noise.", DefaultValueFactory = _ => 1UL };
        var record = new Option<string?>("--record") { Description = "Instead of benchmarking: write the initial state (after ActNorm init), --steps batches and the loss of each step to this folder; bench/python/glow_mnist.py --replay trains from the same start on the same batches." };
        var clip = new Option<double>("--clip") { Description = "With --train-minutes: clip gradients to this global norm (not in the spec; 0 = off)." };
        foreach (var option in new Option[] { k, memoryEfficient, batch, steps, warmup, sampleReps, threads, peakOnly, profile, trainMinutes, seed, record, clip })
        {
            glow.Options.Add(option);
        }

        CommandRunner.SetAction(glow, (parse, context) => GlowMnistBench.Run(
            new GlowMnistBenchSettings(
                parse.GetValue(k), parse.GetValue(memoryEfficient), parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(warmup),
                parse.GetValue(sampleReps), parse.GetValue(threads), parse.GetValue(peakOnly), parse.GetValue(profile), parse.GetValue(trainMinutes), parse.GetValue(seed), parse.GetValue(record), parse.GetValue(clip)),
            context));
        bench.Subcommands.Add(glow);
        return bench;
    }
}
