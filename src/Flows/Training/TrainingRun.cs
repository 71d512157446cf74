using System.Diagnostics;
using Flows.Checkpoints;
using Flows.Data;
using Flows.Distributed;
using Flows.IO;
using Flows.Models;
using Flows.Optim;

namespace Flows.Training;

/// <summary>
/// A training run in an output folder: steps until the length in steps, epochs or minutes is reached;
/// at each epoch end a test evaluation, a sample picture (samples/epoch-NNN.png), metrics.jsonl lines and
/// curve.svg; checkpoints (checkpoint/) at intervals, at epoch ends and at the end. A resumed run
/// continues bit for bit: same parameters, optimizer state, noise generator and step. Spread over the ranks of
/// a <see cref="Communicator"/>, every rank trains its shard of each batch and evaluates its share of the test
/// set; rank 0 alone writes files and reports progress; every rank stops at the same step.
/// </summary>
public sealed partial class TrainingRun
{
    private readonly Trainer _trainer;
    private readonly MetricsLog _metrics;
    private double _elapsedBefore;
    private int _evaluatedEpochs;
    private double? _bestTest;
    private long _bestStep;

    private TrainingRun(string folder, RunConfig config, Dataset dataset, FlowModel model, Trainer trainer, MetricsLog metrics)
    {
        Folder = folder;
        Config = config;
        Dataset = dataset;
        Model = model;
        _trainer = trainer;
        _metrics = metrics;
    }

    /// <summary>The output folder.</summary>
    public string Folder { get; }

    /// <summary>The run's configuration (as saved in its checkpoints).</summary>
    public RunConfig Config { get; }

    /// <summary>The data the run trains and evaluates on.</summary>
    public Dataset Dataset { get; }

    /// <summary>The flow being trained.</summary>
    public FlowModel Model { get; }

    /// <summary>The optimizer over the model's parameters.</summary>
    public Optimizer Optimizer => _trainer.Optimizer;

    /// <summary>Training steps completed, over resumes.</summary>
    public long StepCount => _trainer.StepCount;

    /// <summary>The checkpoint folder inside the output folder (<see cref="Checkpoint.FolderName"/>).</summary>
    public string CheckpointFolder => Path.Combine(Folder, Checkpoint.FolderName);

    /// <summary>A new run of <paramref name="config"/> on <paramref name="dataset"/> in <paramref name="folder"/>, which must not hold a run already.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired while the model was built; nothing was written.</exception>
    public static TrainingRun Create(string folder, RunConfig config, Dataset dataset, Communicator? communicator = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dataset);
        var comm = communicator ?? Communicator.OneProcess;
        bool exists = File.Exists(Path.Combine(folder, Checkpoint.FolderName, Checkpoint.ConfigFile));
        if (comm.Any(comm.IsRoot && exists))
        {
            throw new InvalidOperationException($"{folder} already holds a run; continue it with --resume {folder}, or choose another output folder.");
        }

        CheckSameSetup(comm, config, dataset);
        CheckMemory(config, comm);
        var model = ModelFactory.Create(config.Model, cancellation);
        cancellation.ThrowIfCancellationRequested();
        var trainer = CreateTrainer(config, dataset, model, comm);
        if (!comm.IsRoot)
        {
            return new TrainingRun(folder, config, dataset, model, trainer, MetricsLog.InMemory());
        }

        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, "metrics.jsonl"));
        AtomicFile.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJson());
        return new TrainingRun(folder, config, dataset, model, trainer, new MetricsLog(Path.Combine(folder, "metrics.jsonl")));
    }

    /// <summary>
    /// Continues the run in <paramref name="folder"/> from its checkpoint; <paramref name="length"/>, if
    /// given, replaces the saved length (epochs, steps, minutes) and nothing else.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired while the model was built or loaded; nothing was written.</exception>
    public static TrainingRun Resume(string folder, Dataset dataset, (double? Epochs, long? Steps, double? Minutes)? length = null, Communicator? communicator = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var comm = communicator ?? Communicator.OneProcess;
        string ckpt = Checkpoint.Resolve(Path.Combine(folder, Checkpoint.FolderName));
        var config = Checkpoint.ReadConfig(ckpt);
        if (length is { } l)
        {
            config = config with { Training = config.Training with { Epochs = l.Epochs, Steps = l.Steps, Minutes = l.Minutes } };
        }

        var state = Checkpoint.ReadState(ckpt);
        CheckSameSetup(comm, config, dataset);
        CheckMemory(config, comm);
        var model = ModelFactory.Create(config.Model, cancellation);
        Checkpoint.LoadModel(ckpt, model, cancellation);
        var trainer = CreateTrainer(config, dataset, model, comm);
        Checkpoint.LoadOptimizer(ckpt, trainer.Optimizer);
        cancellation.ThrowIfCancellationRequested();
        trainer.Noise.State = state.NoiseState;
        trainer.StepCount = state.Step;
        trainer.LearningRateFactor = state.LearningRateFactor;
        trainer.Rollbacks = state.Rollbacks;
        trainer.SkippedSteps = state.SkippedSteps;
        trainer.OrdinaryBackpropSteps = state.OrdinaryBackpropSteps;
        var metrics = comm.IsRoot ? MetricsLog.Resume(Path.Combine(folder, "metrics.jsonl"), state.Step) : MetricsLog.InMemory();
        var run = new TrainingRun(folder, config, dataset, model, trainer, metrics)
        {
            _elapsedBefore = state.ElapsedSeconds,
            _evaluatedEpochs = state.EvaluatedEpochs,
            _bestTest = state.BestTest,
            _bestStep = state.BestStep,
        };
        return run;
    }

    /// <summary>Refuses a run whose steps would not fit in this machine's memory (<see cref="ModelFactory.CheckActivations"/>), judged on one rank's share of a batch.</summary>
    private static void CheckMemory(RunConfig config, Communicator comm)
        => ModelFactory.CheckActivations(config.Model, Trainer.Shard(config.Training.Batch, 0, Math.Min(comm.Size, config.Training.Batch)).Count, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>Trains until the length is reached or <paramref name="cancellation"/> fires, then evaluates and saves.</summary>
    public TrainingOutcome Run(ITrainingObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var comm = Communicator;
        if (comm.Size > 1)
        {
            // Every rank starts from the same bits, or none starts.
            RankAgreement.CheckIdenticalState(comm, Model, Optimizer, StepCount);
            if (!comm.IsRoot)
            {
                observer = SilentObserver.Instance;
            }
        }

        var settings = Config.Training;
        int perEpoch = _trainer.Order.BatchesPerEpoch;
        long? stepLimit = StepLimit(settings, perEpoch);
        observer.Started(new TrainingPlan(StepCount, stepLimit, perEpoch, Model.ParameterCount(), _trainer.Objective.Name, settings.Minutes));
        var clock = Stopwatch.StartNew();
        double trainSeconds = 0;
        long windowSteps = 0;
        double windowSeconds = 0;
        bool cancelled = false;
        EvalResult? last = null;
        long lastEvalStep = -1;
        while (true)
        {
            double elapsed = _elapsedBefore + trainSeconds;
            bool cancel = cancellation.IsCancellationRequested;
            if (comm.Size > 1)
            {
                // The ranks stop at the same step and follow the same clock (the slowest rank's).
                Span<double> agreed = [cancel ? 1 : 0, elapsed];
                comm.Max(agreed);
                cancel = agreed[0] > 0;
                elapsed = agreed[1];
            }

            if ((stepLimit is { } s && StepCount >= s) || (settings.Minutes is { } m && elapsed >= m * 60))
            {
                break;
            }

            if (cancel)
            {
                cancelled = true;
                observer.Message($"Stopping at step {StepCount}: cancelled.");
                break;
            }

            if (_trainer.Schedule is WarmupCosine { Progress: not null } byClock && settings.Minutes is { } budget)
            {
                byClock.Progress = elapsed / (budget * 60);
            }

            long t0 = Stopwatch.GetTimestamp();
            var result = _trainer.Step();
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            trainSeconds += dt;
            _stepSeconds += dt;
            windowSeconds += dt;
            windowSteps++;
            double rate = windowSteps * settings.Batch / Math.Max(windowSeconds, 1e-9);
            _metrics.Append(new MetricsRecord
            {
                Kind = "train",
                Step = result.Step,
                Epoch = (double)result.Step / perEpoch,
                Metric = _trainer.Objective.Name,
                Value = result.Loss,
                LearningRate = result.LearningRate,
                ExamplesPerSecond = rate,
                GradientNorm = double.IsNaN(result.GradientNorm) ? null : result.GradientNorm,
                ReconstructionError = double.IsNaN(result.ReconstructionError) ? null : result.ReconstructionError,
                ElapsedSeconds = _elapsedBefore + trainSeconds,
            });
            if (result.Spike)
            {
                observer.Message($"Step {result.Step} skipped: loss {result.Loss:G5} is far above the recent median {result.RecentLoss:G5}; parameters unchanged.");
            }
            else if (result.Skipped)
            {
                observer.Message($"Step {result.Step} skipped: loss {result.Loss}, gradient norm {result.GradientNorm} (not finite); parameters unchanged.");
            }
            else if (result.RedoneForReconstruction)
            {
                observer.Message($"Step {result.Step}: memory-efficient back-propagation rebuilt an activation {result.ReconstructionError:G3} away from its true value (tolerance {_trainer.ReconstructionTolerance:G3}); redone with ordinary backprop, whose gradient differs from the distrusted one by {result.GradientDisagreement:P1}.");
            }
            else if (result.RedoneWithOrdinaryBackprop)
            {
                observer.Message($"Step {result.Step}: the memory-efficient gradient was not finite; redone with ordinary backprop (gradient norm {result.GradientNorm:G4}).");
            }

            if (result.RolledBackTo is { } good)
            {
                observer.Message($"Step {result.Step}: the run is diverging; rolled back to the state of step {good} and lowered the learning rate to {_trainer.LearningRateFactor:G3}× the schedule's (rollback {_trainer.Rollbacks}).");
            }

            observer.Stepped(result, rate, Remaining(stepLimit, settings.Minutes, _elapsedBefore + trainSeconds, rate / settings.Batch));
            if (windowSteps >= 20)
            {
                windowSteps = 0;
                windowSeconds = 0;
            }

            if (comm.Size > 1 && StepCount % RankAgreement.CheckEvery == 0)
            {
                RankAgreement.CheckIdenticalState(comm, Model, Optimizer, StepCount);
            }

            if (StepCount % perEpoch == 0 && StepCount / perEpoch > _evaluatedEpochs)
            {
                _evaluatedEpochs = (int)(StepCount / perEpoch);
                last = EvaluateAndPicture(observer, $"epoch-{_evaluatedEpochs:D3}");
                lastEvalStep = StepCount;
                Save(trainSeconds, observer);
            }
            else if (settings.CheckpointEvery > 0 && StepCount % settings.CheckpointEvery == 0)
            {
                Save(trainSeconds, observer);
            }
        }

        // A cancelled run only saves (the process may be given a few seconds only); evaluation can follow with eval.
        if (cancelled)
        {
            Save(trainSeconds, observer);
            SayRanksAgree(observer);
            observer.Message($"Checkpoint: {CheckpointFolder} (step {StepCount}); continue with --resume {Folder}.");
            return new TrainingOutcome(StepCount, last ?? new EvalResult(double.NaN, double.NaN, 0), true, CheckpointFolder);
        }

        if (lastEvalStep != StepCount)
        {
            last = EvaluateAndPicture(observer, "final");
        }
        else
        {
            WriteFinalPicture();
        }

        Save(trainSeconds, observer);
        SayRanksAgree(observer);
        observer.Message(Summary());
        if (_bestTest is { } best && last!.Value.Metric > best)
        {
            observer.Message($"The final test {_trainer.Objective.Name} {last.Value.Metric:0.0000} is worse than the run's best, {best:0.0000} at step {_bestStep} (by {last.Value.Metric - best:G2}), kept in {BestFolder}.");
        }

        observer.Message($"Checkpoint: {CheckpointFolder} (step {StepCount}, {clock.Elapsed.TotalSeconds:0.0} s this session).");
        return new TrainingOutcome(StepCount, last!.Value, cancelled, CheckpointFolder);
    }

    /// <summary>The step the settings stop at (the smaller of --steps and --epochs), or null if only minutes limit the run.</summary>
    public static long? StepLimit(TrainingSettings settings, int batchesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long? limit = settings.Steps;
        if (settings.Epochs is { } e)
        {
            long fromEpochs = (long)Math.Ceiling(e * batchesPerEpoch);
            limit = limit is { } l ? Math.Min(l, fromEpochs) : fromEpochs;
        }

        return limit;
    }

    private TimeSpan? Remaining(long? stepLimit, double? minutes, double elapsed, double stepsPerSecond)
    {
        TimeSpan? left = null;
        if (stepLimit is { } s && stepsPerSecond > 0)
        {
            left = TimeSpan.FromSeconds(Math.Max(0, s - StepCount) / stepsPerSecond);
        }

        if (minutes is { } m)
        {
            var byTime = TimeSpan.FromSeconds(Math.Max(0, (m * 60) - elapsed));
            left = left is { } l && l < byTime ? l : byTime;
        }

        return left;
    }

    /// <summary>The log-scale parameters <see cref="TrainingSettings.LogScaleRate"/> applies to: ActNorm's and the LU convolution's <c>logs</c>, NICE's and the vector ActNorm's <c>logScale</c>.</summary>
    internal static bool IsLogScale(string name)
    {
        string last = name[(name.LastIndexOf('.') + 1)..];
        return last is "logs" or "logScale";
    }

    /// <summary>Every rank must run the same build on the same configuration and the same data (counts and the first batch's values).</summary>
    private static void CheckSameSetup(Communicator comm, RunConfig config, Dataset dataset)
    {
        if (comm.Size == 1)
        {
            return;
        }

        int n = Math.Min(dataset.Train.Count, config.Training.Batch);
        var first = dataset.Train.Batch(Enumerable.Range(0, n).ToArray(), null);
        ulong h = RankAgreement.Hash(first.Span);
        first.Release();
        RankAgreement.CheckSameSetup(comm, $"{config.ToJson()}\n{dataset.Name} {dataset.Train.Count} {dataset.Test.Count} {h:x16}");
    }

    /// <summary>The ranks the run is spread over (one process unless given to <see cref="Create"/> or <see cref="Resume"/>).</summary>
    public Communicator Communicator => _trainer.Communicator;

    internal static Trainer CreateTrainer(RunConfig config, Dataset dataset, FlowModel model, Communicator? communicator = null)
    {
        var s = config.Training;
        var train = dataset.Train;
        Optimizer optimizer = s.Optimizer == OptimizerKind.Adamax
            ? new Adamax(model.NamedParameters(), s.LearningRate)
            : new Adam(model.NamedParameters(), s.LearningRate);
        if (s.LogScaleRate != 1)
        {
            optimizer.ScaleLearningRate(IsLogScale, s.LogScaleRate);
        }

        int count = s.TrainSize is { } n ? Math.Min(n, train.Count) : train.Count;
        var order = new BatchOrder(count, s.Batch, s.Seed);
        long? limit = StepLimit(s, order.BatchesPerEpoch);
        LearningRateSchedule schedule = !s.CosineDecay
            ? new LinearWarmup(s.LearningRate, s.Warmup)
            : limit is { } total
                ? new WarmupCosine(s.LearningRate, s.Warmup, total, s.DecayFloor)
                : WarmupCosine.ByProgress(s.LearningRate, s.Warmup, s.DecayFloor);
        return new Trainer(model, optimizer, schedule, train, Objective.For(dataset), order, new Rng(s.Seed ^ 0xD1CEUL), s.Clip)
        {
            Guard = s.Guard ? new DivergenceGuard() : null,
            ReconstructionTolerance = s.ReconstructionTolerance,
            Communicator = communicator ?? Communicator.OneProcess,
        };
    }
}
