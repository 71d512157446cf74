using Flows.Autodiff;
using Flows.Checkpoints;
using Flows.Data;
using Flows.IO;
using Flows.Training;

namespace Flows.Tests.Training;

public class TrainingRunTests
{
    /// <param name="steps">The run's length.</param>
    /// <param name="cosine">A cosine decay spans the run's length, so runs that resume with a longer length turn it off.</param>
    private static RunConfig Config(long steps, bool cosine = false) => new()
    {
        Model = new ModelConfig { Kind = "glow", DataShape = [2], StepsPerLevel = 2, Hidden = 16, HiddenLayers = 1, Seed = 3 },
        Data = new DataConfig { Name = "moons", Preprocessing = "none" },
        Training = new TrainingSettings
        {
            Batch = 32, LearningRate = 3e-3, Warmup = 5, Clip = 50, Seed = 4, Steps = steps, CheckpointEvery = 3, CosineDecay = cosine,
            TrainSize = 128, TestSize = 200, SampleCount = 16,
        },
    };

    private static string TempFolder() => Directory.CreateTempSubdirectory("flows-run-").FullName;

    [Fact]
    public void TwoNStepsEqualNStepsResumedForNMoreBitForBit()
    {
        var data = Datasets.Open("moons");
        string straight = TempFolder(), split = TempFolder();
        TrainingRun.Create(straight, Config(14), data).Run(new SilentObserver());
        TrainingRun.Create(split, Config(7), data).Run(new SilentObserver());
        var resumed = TrainingRun.Resume(split, data, (null, 14, null));
        Assert.Equal(7, resumed.StepCount);
        resumed.Run(new SilentObserver());

        foreach (string file in new[] { Checkpoint.ModelFile, Checkpoint.OptimizerFile })
        {
            var a = SafeTensors.Read(Path.Combine(straight, Checkpoint.FolderName, file));
            var b = SafeTensors.Read(Path.Combine(split, Checkpoint.FolderName, file));
            Assert.Equal(a.Count, b.Count);
            foreach (var (name, t) in a)
            {
                Assert.True(t.Span.SequenceEqual(b[name].Span), $"{file}: {name} differs after resume.");
            }
        }

        Assert.Equal(Checkpoint.ReadState(Path.Combine(straight, Checkpoint.FolderName)).NoiseState, Checkpoint.ReadState(Path.Combine(split, Checkpoint.FolderName)).NoiseState);
        // The metrics log continues too: one train line per step, no duplicates after the resume.
        var steps = File.ReadAllLines(Path.Combine(split, "metrics.jsonl")).Count(l => l.Contains("\"kind\":\"train\"", StringComparison.Ordinal));
        Assert.Equal(14, steps);
        Directory.Delete(straight, true);
        Directory.Delete(split, true);
    }

    [Fact]
    public void A_run_with_the_default_cosine_decay_stopped_and_resumed_equals_the_uninterrupted_run()
    {
        var data = Datasets.Open("moons");
        string straight = TempFolder(), split = TempFolder();
        TrainingRun.Create(straight, Config(14, cosine: true), data).Run(new SilentObserver());
        using var cancel = new CancellationTokenSource();
        var stopped = TrainingRun.Create(split, Config(14, cosine: true), data).Run(new SilentObserver { CancelAfter = (6, cancel) }, cancel.Token);
        Assert.True(stopped.Cancelled);
        var resumed = TrainingRun.Resume(split, data);
        Assert.Equal(6, resumed.StepCount);
        resumed.Run(new SilentObserver());
        foreach (string file in new[] { Checkpoint.ModelFile, Checkpoint.OptimizerFile })
        {
            var a = SafeTensors.Read(Path.Combine(straight, Checkpoint.FolderName, file));
            var b = SafeTensors.Read(Path.Combine(split, Checkpoint.FolderName, file));
            foreach (var (name, t) in a)
            {
                Assert.True(t.Span.SequenceEqual(b[name].Span), $"{file}: {name} differs after resume.");
            }
        }

        Directory.Delete(straight, true);
        Directory.Delete(split, true);
    }

    [Fact]
    public void TrainingLowersTheTestLossAndWritesEveryOutput()
    {
        var data = Datasets.Open("moons");
        string folder = TempFolder();
        var run = TrainingRun.Create(folder, Config(40), data);
        var before = Evaluator.Evaluate(run.Model, data.Test, Objective.For(data), limit: 200);
        var outcome = run.Run(new SilentObserver());
        Assert.True(outcome.Test.Metric < before.Metric - 0.2, $"test nll {before.Metric} -> {outcome.Test.Metric}");
        Assert.True(File.Exists(Path.Combine(folder, "curve.svg")));
        Assert.True(File.Exists(Path.Combine(folder, "samples", "epoch-001.png")));
        Assert.True(File.Exists(Path.Combine(folder, "samples", "epoch-010.png")));
        Assert.Equal(new[] { Path.Combine(folder, "checkpoint") }, Directory.GetDirectories(folder, "checkpoint*"));

        // Save → load gives the same log-likelihood.
        var (loaded, config) = Checkpoint.Open(folder);
        Assert.Equal("moons", config.Data.Name);
        var x = Variable.Constant(data.Test.Batch([0, 1, 2, 3, 4], null));
        run.Model.Training = false;
        using (Autograd.NoGrad())
        {
            Assert.Equal(run.Model.LogProb(x).Value.ToArray(), loaded.LogProb(x).Value.ToArray());
        }

        Directory.Delete(folder, true);
    }

    [Fact]
    public void ACheckpointWithAMissingOrExtraTensorIsRejectedByName()
    {
        var data = Datasets.Open("moons");
        string folder = TempFolder();
        TrainingRun.Create(folder, Config(2), data).Run(new SilentObserver());
        string ckpt = Path.Combine(folder, Checkpoint.FolderName);
        var tensors = SafeTensors.Read(Path.Combine(ckpt, Checkpoint.ModelFile));
        string first = tensors.Keys.First();
        SafeTensors.Write(Path.Combine(ckpt, Checkpoint.ModelFile), tensors.Where(t => t.Key != first).Select(t => (t.Key, t.Value)));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains(first, e.Message);
        SafeTensors.Write(Path.Combine(ckpt, Checkpoint.ModelFile), tensors.Select(t => (t.Key, t.Value)).Append(("stray.weight", Tensor.Zeros(1))));
        Assert.Contains("stray.weight", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder)).Message);
        Assert.Throws<InvalidOperationException>(() => TrainingRun.Create(folder, Config(2), data));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void ACancelledRunStopsAtAStepBoundaryAndLeavesAResumableCheckpoint()
    {
        var data = Datasets.Open("moons");
        string folder = TempFolder();
        using var cancel = new CancellationTokenSource();
        var observer = new SilentObserver { CancelAfter = (3, cancel) };
        var outcome = TrainingRun.Create(folder, Config(10), data).Run(observer, cancel.Token);
        Assert.True(outcome.Cancelled);
        Assert.Equal(3, outcome.Step);
        var resumed = TrainingRun.Resume(folder, data);
        Assert.Equal(3, resumed.StepCount);
        Assert.Equal(10, resumed.Run(new SilentObserver()).Step);
        Directory.Delete(folder, true);
    }

    [Fact]
    public void A_state_that_is_no_longer_finite_at_a_save_is_rolled_back_not_saved()
    {
        var data = Datasets.Open("moons");
        string folder = TempFolder();
        var run = TrainingRun.Create(folder, Config(10), data);
        var observer = new PoisoningObserver(run, atStep: 6); // the checkpoint of step 6 (every 3 steps) meets a NaN parameter
        run.Run(observer);

        Assert.Contains(observer.Messages, m => m.StartsWith("Step 6: the model's", StringComparison.Ordinal) && m.Contains("holds NaN", StringComparison.Ordinal) && m.Contains("rolled back to the state of step", StringComparison.Ordinal));
        string checkpoint = Path.Combine(folder, Checkpoint.FolderName);
        var state = Checkpoint.ReadState(checkpoint);
        Assert.Equal(10, state.Step);
        Assert.Equal(1, state.Rollbacks);
        Assert.Equal(0.5, state.LearningRateFactor);
        Assert.Null(Checkpoint.FirstNonFinite(SafeTensors.Read(Path.Combine(checkpoint, Checkpoint.ModelFile)).Select(t => (t.Key, t.Value))));
        Directory.Delete(folder, true);
    }

    /// <summary>Puts a NaN into the model's first parameter after step <c>atStep</c>, and keeps the run's messages.</summary>
    private sealed class PoisoningObserver(TrainingRun run, long atStep) : ITrainingObserver
    {
        public List<string> Messages { get; } = [];

        public void Started(TrainingPlan plan)
        {
        }

        public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining)
        {
            if (result.Step == atStep)
            {
                run.Model.NamedParameters().First().Value.Value.Span[0] = float.NaN;
            }
        }

        public void Evaluated(long stepNumber, double epochs, EvalResult result)
        {
        }

        public void Message(string text) => Messages.Add(text);
    }

    private sealed class SilentObserver : ITrainingObserver
    {
        public void Started(TrainingPlan plan)
        {
        }

        public (long Step, CancellationTokenSource Source)? CancelAfter { get; init; }

        public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining)
        {
            Assert.True(double.IsFinite(result.Loss));
            if (CancelAfter is { } c && result.Step == c.Step)
            {
                c.Source.Cancel();
            }
        }

        public void Evaluated(long stepNumber, double epochs, EvalResult result)
            => Assert.True(double.IsFinite(result.Metric));

        public void Message(string text)
        {
        }
    }
}
