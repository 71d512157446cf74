using System.Globalization;
using Flows.Autodiff;
using Flows.Checkpoints;
using Flows.Data;
using Flows.IO;
using Flows.Kernels;
using Flows.Models;
using Flows.Optim;
using Flows.Tensors;
using Flows.Training;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// <c>flows bench glow-mnist --record DIR --steps N</c>: the start of a training run, written so that
/// another implementation can replay it. DIR gets <c>init.safetensors</c> (every parameter and buffer
/// after the ActNorm data-dependent initialisation on batch 0, before any update), <c>batches.safetensors</c>
/// (the N dequantized batches <c>x0</c> … <c>x{N−1}</c>) and <c>losses.txt</c> (one line per step:
/// <c>step i loss L</c>, the batch's mean bpd before the step's update). With the same start and the
/// same batches, two correct implementations follow the same loss curve until float rounding grows.
/// </summary>
internal static class GlowMnistTrajectory
{
    public static int Record(GlowMnistBenchSettings s, string folder, CommandContext context)
    {
        Parallelism.Threads = s.Threads;
        Directory.CreateDirectory(folder);
        var dataset = Datasets.Open("mnist", log: context.Error);
        bool memoryEfficient = s.MemoryEfficient ?? true;
        var model = Glow.Create(GlowConfig.Benchmark with { StepsPerLevel = s.StepsPerLevel, MemoryEfficientBackprop = memoryEfficient }, new Rng(s.Seed));
        var objective = Objective.For(dataset);
        var order = new BatchOrder(dataset.Train.Count, s.Batch, s.Seed);
        var noise = new Rng(s.Seed + 1);
        var batches = new List<(string Name, Tensor Value)>(s.TimedSteps);
        for (int i = 0; i < s.TimedSteps; i++)
        {
            batches.Add(($"x{i}", model.ToModelShape(dataset.Train.Batch(order.Indices(i), noise))));
        }

        SafeTensors.Write(Path.Combine(folder, "batches.safetensors"), batches);
        model.Training = true;
        using (Autograd.NoGrad())
        {
            model.LogProb(Variable.Constant(batches[0].Value));
        }

        var state = Checkpoint.ModelTensors(model);
        SafeTensors.Write(Path.Combine(folder, "init.safetensors"), state, new Dictionary<string, string>
        {
            ["K"] = s.StepsPerLevel.ToString(CultureInfo.InvariantCulture),
            ["steps"] = s.TimedSteps.ToString(CultureInfo.InvariantCulture),
        });

        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        var schedule = new LinearWarmup(1e-3, 200);
        using var losses = new StreamWriter(Path.Combine(folder, "losses.txt"));
        for (int i = 0; i < s.TimedSteps; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            optimizer.ZeroGrad();
            schedule.Apply(optimizer);
            var loss = objective.Loss(model.LogProb(Variable.Constant(batches[i].Value)));
            double value = loss.Item();
            loss.Backward();
            optimizer.Step();
            loss.ReleaseGraph();
            string line = string.Create(CultureInfo.InvariantCulture, $"step {i} loss {value:F5}");
            losses.WriteLine(line);
            context.Output.WriteLine(line);
        }

        context.Output.Flush();
        return 0;
    }
}
