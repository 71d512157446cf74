using System.Diagnostics;
using System.Globalization;
using Flows.Autodiff;
using Flows.Data;
using Flows.Kernels;
using Flows.Models;
using Flows.Optim;
using Flows.Training;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// The glow-mnist figures (shared/benchmarks/glow-mnist.md): images/s of full training steps (forward,
/// backward, Adam with linear warm-up; median after a warm-up), images/s of sampling at temperature 0.7,
/// and the peak resident memory of the process (VmHWM), one line each: <c>name value unit</c>.
/// </summary>
internal static class GlowMnistBench
{
    private const float Temperature = 0.7f;

    public static int Run(GlowMnistBenchSettings settings, CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        Validate(settings);
        if (settings.Record is string folder)
        {
            return GlowMnistTrajectory.Record(settings, folder, context);
        }

        if (settings.TrainMinutes is double minutes)
        {
            return TrainForQuality(settings, minutes, context);
        }

        return settings.MemoryEfficient is bool memoryEfficient
            ? RunOne(settings, memoryEfficient, context)
            : GlowMnistBenchSuite.Run(settings, context);
    }

    /// <summary>Peak resident set size of this process in MiB (VmHWM of /proc/self/status); NaN where unavailable.</summary>
    public static double PeakRssMiB()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return double.NaN;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static void Validate(GlowMnistBenchSettings s)
    {
        if (s.StepsPerLevel < 1 || s.Batch < 1 || s.TimedSteps < 1 || s.WarmupSteps < 1 || s.SampleReps < 1 || s.Threads < 1)
        {
            throw new UsageException("--k, --batch, --steps, --warmup, --sample-reps and --threads must be at least 1.");
        }

        if (s.TrainMinutes is double m && !(m > 0))
        {
            throw new UsageException("--train-minutes must be positive.");
        }

        if (!(s.Clip >= 0))
        {
            throw new UsageException("--clip must be zero (off) or positive.");
        }
    }

    private static int RunOne(GlowMnistBenchSettings s, bool memoryEfficient, CommandContext context)
    {
        Parallelism.Threads = s.Threads;
        var output = context.Output;
        var dataset = Datasets.Open("mnist", log: context.Error);
        var model = Glow.Create(GlowConfig.Benchmark with { StepsPerLevel = s.StepsPerLevel, MemoryEfficientBackprop = memoryEfficient }, new Rng(s.Seed));
        output.WriteLine(Line("params", model.ParameterCount(), "scalars", "F0"));
        var objective = Objective.For(dataset);
        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        var schedule = new LinearWarmup(1e-3, 200);
        var order = new BatchOrder(dataset.Train.Count, s.Batch, s.Seed);
        var noise = new Rng(s.Seed + 1);
        var phases = new StepPhases(s.TimedSteps);
        model.Training = true;
        for (int i = 0; i < s.WarmupSteps + s.TimedSteps; i++)
        {
            var x = Variable.Constant(model.ToModelShape(dataset.Train.Batch(order.Indices(i), noise)));
            context.Cancellation.ThrowIfCancellationRequested();
            phases.Step(model, optimizer, schedule, objective, x, timed: i >= s.WarmupSteps);
            x.Value.Release();
        }

        double imagesPerSecond = s.Batch / phases.MedianTotalSeconds;
        output.WriteLine(Line("train", imagesPerSecond, "img/s"));

        output.WriteLine(Line("peak_rss", PeakRssMiB(), "MiB")); // before the FLOP probe below, which is not part of training
        // FLOPs (FlopCounter: the matrix products and convolutions, 2 per multiply-add): the nominal training cost
        // is 3 forward passes per image (forward, and a backward of twice its size); "executed" counts one real
        // step, which with memory-efficient backprop also recomputes every step's forward from its inverse.
        var probe = Variable.Constant(model.ToModelShape(dataset.Train.Batch(order.Indices(0), noise)));
        FlopCounter.Start();
        using (Autograd.NoGrad())
        {
            model.LogProb(probe).Value.Release();
        }

        double forward = FlopCounter.Stop() / (double)s.Batch;
        FlopCounter.Start();
        phases.Step(model, optimizer, schedule, objective, probe, timed: false);
        double executed = FlopCounter.Stop() / (double)s.Batch;
        probe.Value.Release();
        output.WriteLine(Line("train_mflop_per_image", 3 * forward / 1e6, "MFLOP"));
        output.WriteLine(Line("train_executed_mflop_per_image", executed / 1e6, "MFLOP"));
        output.WriteLine(Line("train_gflops", 3 * forward * imagesPerSecond / 1e9, "GFLOP/s"));
        output.Flush();
        if (s.Profile)
        {
            phases.Report(output);
            GlowMnistProfile.Report(model, s.Batch, output);
        }

        if (s.PeakOnly)
        {
            return 0;
        }

        model.Training = false;
        var rng = new Rng(s.Seed + 2);
        var times = new List<double>();
        for (int i = 0; i < s.WarmupSteps + s.SampleReps; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            var images = model.Sample(s.Batch, Temperature, rng);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (i >= s.WarmupSteps)
            {
                times.Add(seconds);
            }

            foreach (float v in images.Span)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidOperationException("Sampling produced a non-finite value.");
                }
            }

            images.Release();
        }

        output.WriteLine(Line("sample", s.Batch / Median(times), "img/s"));

        // Evaluation: log p of a batch of training images without recording, as `flows eval` and scoring run it.
        var evalTimes = new List<double>();
        for (int i = 0; i < s.WarmupSteps + s.SampleReps; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var x = Variable.Constant(model.ToModelShape(dataset.Train.Batch(order.Indices(i), noise)));
            long t0 = Stopwatch.GetTimestamp();
            Tensor logp;
            using (Autograd.NoGrad())
            {
                logp = model.LogProb(x).Value;
            }

            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (i >= s.WarmupSteps)
            {
                evalTimes.Add(seconds);
            }

            foreach (float v in logp.Span)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidOperationException("Evaluation produced a non-finite log-density.");
                }
            }

            logp.Release();
            x.Value.Release();
        }

        output.WriteLine(Line("evaluate", s.Batch / Median(evalTimes), "img/s"));
        return 0;
    }

    private static int TrainForQuality(GlowMnistBenchSettings s, double minutes, CommandContext context)
    {
        Parallelism.Threads = s.Threads;
        var output = context.Output;
        var dataset = Datasets.Open("mnist", log: context.Error);
        var model = Glow.Create(GlowConfig.Benchmark with { StepsPerLevel = s.StepsPerLevel, MemoryEfficientBackprop = s.MemoryEfficient ?? true }, new Rng(s.Seed));
        var objective = Objective.For(dataset);
        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        var trainer = new Trainer(model, optimizer, new LinearWarmup(1e-3, 200), dataset.Train, objective, new BatchOrder(dataset.Train.Count, s.Batch, s.Seed), new Rng(s.Seed + 1), s.Clip);
        var budget = TimeSpan.FromMinutes(minutes);
        var clock = Stopwatch.StartNew();
        var stepTimes = new List<double>();
        while (clock.Elapsed < budget)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            var result = trainer.Step();
            stepTimes.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            if (result.Step % 100 == 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {result.Step} train_bpd {result.Loss:F4} elapsed {clock.Elapsed.TotalSeconds:F0} s"));
                output.Flush();
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {trainer.StepCount} steps in {clock.Elapsed.TotalSeconds:F0} s ({trainer.SkippedSteps} skipped, {trainer.OrdinaryBackpropSteps} redone with ordinary backprop)"));
        output.WriteLine(StepTimeLine(stepTimes));
        var eval = Evaluator.Evaluate(model, dataset.Test, objective, batchSize: 500);
        output.WriteLine(Line("test_bpd", eval.Metric, "bpd", "F4"));
        output.WriteLine(Line("peak_rss", PeakRssMiB(), "MiB"));
        return 0;
    }

    /// <summary>The step-time distribution of a long run (the peer prints the same line): a median alone hides slow stretches.</summary>
    internal static string StepTimeLine(List<double> seconds)
    {
        if (seconds.Count == 0)
        {
            return "step_time none";
        }

        var sorted = seconds.ToArray();
        Array.Sort(sorted);
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        return string.Create(CultureInfo.InvariantCulture, $"step_time median {Median(seconds):F3} mean {sorted.Average():F3} p10 {At(0.1):F3} p90 {At(0.9):F3} s");
    }

    internal static string Line(string name, double value, string unit, string format = "F1")
        => string.Create(CultureInfo.InvariantCulture, $"{name} {value.ToString(format, CultureInfo.InvariantCulture)} {unit}");

    internal static double Median(List<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }

    /// <summary>One training step as <see cref="Trainer.Step"/> does it, timed by phase.</summary>
    private sealed class StepPhases(int capacity)
    {
        private readonly List<double> _forward = new(capacity);
        private readonly List<double> _backward = new(capacity);
        private readonly List<double> _optimizer = new(capacity);
        private readonly List<double> _release = new(capacity);
        private readonly List<double> _total = new(capacity);

        public double MedianTotalSeconds => Median(_total);

        public void Step(FlowModel model, Optimizer optimizer, LearningRateSchedule schedule, Objective objective, Variable x, bool timed)
        {
            long t0 = Stopwatch.GetTimestamp();
            optimizer.ZeroGrad();
            schedule.Apply(optimizer);
            var loss = objective.Loss(model.LogProb(x));
            double value = loss.Item();
            long t1 = Stopwatch.GetTimestamp();
            if (!double.IsFinite(value))
            {
                throw new TrainingDivergedException($"The loss became {value}.");
            }

            loss.Backward();
            long t2 = Stopwatch.GetTimestamp();
            optimizer.Step();
            long t3 = Stopwatch.GetTimestamp();
            loss.ReleaseGraph();
            long t4 = Stopwatch.GetTimestamp();
            if (timed)
            {
                _forward.Add(Stopwatch.GetElapsedTime(t0, t1).TotalSeconds);
                _backward.Add(Stopwatch.GetElapsedTime(t1, t2).TotalSeconds);
                _optimizer.Add(Stopwatch.GetElapsedTime(t2, t3).TotalSeconds);
                _release.Add(Stopwatch.GetElapsedTime(t3, t4).TotalSeconds);
                _total.Add(Stopwatch.GetElapsedTime(t0, t4).TotalSeconds);
            }
        }

        public void Report(TextWriter output)
        {
            output.WriteLine(Line("profile.step.forward", 1e3 * Median(_forward), "ms"));
            output.WriteLine(Line("profile.step.backward", 1e3 * Median(_backward), "ms"));
            output.WriteLine(Line("profile.step.optimizer", 1e3 * Median(_optimizer), "ms"));
            output.WriteLine(Line("profile.step.release", 1e3 * Median(_release), "ms"));
            output.WriteLine(Line("profile.step.total", 1e3 * Median(_total), "ms"));
        }
    }
}
