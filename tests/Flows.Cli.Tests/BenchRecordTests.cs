using System.Globalization;
using Flows.Autodiff;
using Flows.Checkpoints;
using Flows.Data;
using Flows.IO;
using Flows.Models;
using Flows.Training;

namespace Flows.Cli.Tests;

/// <summary>
/// <c>flows bench glow-mnist --record</c> writes a start that another implementation can replay: the
/// recorded state, loaded into a fresh model, gives the recorded first loss on the recorded first batch.
/// </summary>
public class BenchRecordTests
{
    [Fact]
    public void RecordedStateAndBatchReproduceTheRecordedFirstLoss()
    {
        Cli.Ok("data", "get", "mnist");
        string dir = Cli.TempFolder();
        Cli.Ok("bench", "glow-mnist", "--record", dir, "--steps", "2", "--k", "1", "--batch", "8", "--seed", "5");

        var losses = File.ReadAllLines(Path.Combine(dir, "losses.txt"));
        Assert.Equal(2, losses.Length);
        double first = double.Parse(losses[0].Split(' ')[3], CultureInfo.InvariantCulture);
        var batches = SafeTensors.Read(Path.Combine(dir, "batches.safetensors"));
        Assert.Equal(new[] { "x0", "x1" }, batches.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new[] { 8, 1, 28, 28 }, batches["x0"].Shape);

        // A model from another seed, overwritten with the recorded state (ActNorm marked initialised).
        var model = Glow.Create(GlowConfig.Benchmark with { StepsPerLevel = 1 }, new Rng(99));
        string folder = Cli.TempFolder();
        File.Copy(Path.Combine(dir, "init.safetensors"), Path.Combine(folder, Checkpoint.ModelFile));
        Checkpoint.LoadModel(folder, model);
        model.Training = true;
        double loss;
        using (Autograd.NoGrad())
        {
            loss = Objective.BitsPerDim(784).Loss(model.LogProb(Variable.Constant(batches["x0"]))).Item();
        }

        Assert.InRange(first, 5.0, 10.0);
        Assert.Equal(first, loss, 4);
    }
}
