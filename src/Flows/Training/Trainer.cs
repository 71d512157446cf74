using Flows.Autodiff;
using Flows.Data;
using Flows.Distributed;
using Flows.Models;
using Flows.Optim;

namespace Flows.Training;

/// <summary>
/// One training step at a time: the batch of the current step (<see cref="BatchOrder"/>), dequantized with
/// noise from <see cref="Noise"/>; loss = mean of the objective over the batch; backward; optional clipping
/// of the global gradient norm; the optimizer step at the scheduled learning rate; then the graph's
/// intermediates go back to the tensor pool. Everything a resumed run needs is <see cref="StepCount"/>,
/// the noise state, the parameters, buffers and the optimizer state.
/// </summary>
public sealed class Trainer
{
    /// <summary>A trainer at step 0 of <paramref name="model"/> on <paramref name="train"/>.</summary>
    /// <param name="model">The flow to train.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="schedule">Sets the learning rate before each step; null keeps the optimizer's rate.</param>
    /// <param name="train">The training data; its examples must have the model's number of dimensions.</param>
    /// <param name="objective">The loss: bits per dimension or negative log-likelihood.</param>
    /// <param name="order">Which examples make up each step's batch.</param>
    /// <param name="noise">The generator of the dequantization noise.</param>
    /// <param name="clipNorm">Maximum global gradient norm; 0 for no clipping.</param>
    /// <exception cref="ArgumentException">The data's examples do not have the model's number of dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipNorm"/> is negative.</exception>
    public Trainer(FlowModel model, Optimizer optimizer, LearningRateSchedule? schedule, DataSplit train, Objective objective, BatchOrder order, Rng noise, double clipNorm = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(noise);
        if (model.Classes > 0 && (train.Labels is null || train.Labels.Any(l => l >= model.Classes)))
        {
            throw new ArgumentException(
                train.Labels is null
                    ? $"The model is class-conditional ({model.Classes} classes) but the training data have no labels."
                    : $"The model is class-conditional with {model.Classes} classes but the training data have label {train.Labels.Max()}.",
                nameof(train));
        }

        if (train.Dimensions != model.Dimensions)
        {
            throw new ArgumentException(
                $"The model expects examples of shape {Tensor.FormatShape(model.DataShape)} ({model.Dimensions} values) but the data has {Tensor.FormatShape(train.SampleShape)}.", nameof(train));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(clipNorm);
        Model = model;
        Optimizer = optimizer;
        Schedule = schedule;
        Train = train;
        Objective = objective;
        Order = order;
        Noise = noise;
        ClipNorm = clipNorm;
    }

    /// <summary>The flow being trained.</summary>
    public FlowModel Model { get; }

    /// <summary>The optimizer over the model's parameters.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning-rate schedule, or null to keep the optimizer's rate.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>The training data.</summary>
    public DataSplit Train { get; }

    /// <summary>The loss minimised: bits per dimension or negative log-likelihood.</summary>
    public Objective Objective { get; }

    /// <summary>Which examples make up each step's batch.</summary>
    public BatchOrder Order { get; }

    /// <summary>The generator of the dequantization noise (its state is checkpointed).</summary>
    public Rng Noise { get; }

    /// <summary>
    /// The processes this run is spread over (data parallelism): each rank computes the gradient of its shard of
    /// every batch (<see cref="Shard"/>), the weighted gradients are summed across ranks, and every rank applies
    /// the same update, so all ranks hold the same parameters. Every rank draws the noise of the whole batch, so
    /// the run does not depend on the number of ranks. <see cref="Communicator.OneProcess"/> by default.
    /// </summary>
    public Communicator Communicator
    {
        get => _communicator;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Size > Order.BatchSize)
            {
                throw new ArgumentException($"{value.Size} ranks cannot share a batch of {Order.BatchSize}: every rank needs at least one example; use a batch of at least {value.Size} or fewer ranks.", nameof(value));
            }

            if (value.Size > 1 && Model.NamedBuffers().Any(b => b.Name.EndsWith("runningMean", StringComparison.Ordinal)))
            {
                throw new ArgumentException(
                    "This model normalises with batch statistics (batch norm), which data-parallel training would compute per rank and so change with the number of ranks; train it in one process.", nameof(value));
            }

            _communicator = value;
        }
    }

    private Communicator _communicator = Communicator.OneProcess;

    /// <summary>The rows [Start, Start + Count) of a batch of <paramref name="batch"/> examples that rank <paramref name="rank"/> of <paramref name="size"/> computes: contiguous, sizes differing by at most one.</summary>
    public static (int Start, int Count) Shard(int batch, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, size);
        int q = batch / size, r = batch % size;
        return ((rank * q) + Math.Min(rank, r), q + (rank < r ? 1 : 0));
    }

    /// <summary>Maximum global gradient norm; 0 = no clipping.</summary>
    public double ClipNorm { get; }

    /// <summary>Completed steps.</summary>
    public long StepCount { get; set; }

    /// <summary>
    /// Steps in a row whose loss or gradient may be non-finite (each skipped, parameters untouched) before
    /// <see cref="Step"/> gives up with <see cref="TrainingDivergedException"/>. A lone spike into overflow
    /// is survivable; a run that stays there has diverged.
    /// </summary>
    public int MaxConsecutiveSkips { get; init; } = 10;

    /// <summary>Steps not applied so far: their loss or gradient was not finite, or the loss was a spike (see <see cref="Guard"/>).</summary>
    public long SkippedSteps { get; set; }

    private int _consecutiveSkips;

    /// <summary>
    /// Steps whose memory-efficient gradient was not finite and that were redone with ordinary backprop
    /// (see <see cref="MultiScaleFlow.MemoryEfficientBackprop"/>); they cost one more forward and the memory
    /// of ordinary backprop for that step.
    /// </summary>
    public long OrdinaryBackpropSteps { get; set; }

    /// <summary>
    /// The largest reconstruction error (max |rebuilt − recomputed| of an activation) at which a memory-efficient
    /// gradient is trusted; above it the step is redone with ordinary backprop, as a non-finite one is. Activations
    /// are ActNorm-normalised (order 1): an error of 1 means an activation is wrong by its own scale. Measured on the
    /// main job's Glow (300 steps, 7 Dec; RESULTS.md): the median error is 1.3e-4; errors up to 1.81 changed the gradient
    /// by at most 1.6%, so a lower tolerance would redo steps for nothing.
    /// </summary>
    public double ReconstructionTolerance { get; init; } = 1.0;

    /// <summary>The global gradient norm before clipping; clips in the same pass when <see cref="ClipNorm"/> is set (a non-finite norm leaves the gradients as they are).</summary>
    private double NormAndClip() => ClipNorm > 0
        ? GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, ClipNorm)
        : GradientClipping.GlobalNorm(Optimizer.Parameters.Select(p => p.Value));

    /// <summary>
    /// Watches for divergence (loss spikes, repeated non-finite steps) and rolls the run back to its last good
    /// state with a lower learning rate; null: no watch (non-finite steps are still skipped).
    /// </summary>
    public DivergenceGuard? Guard { get; init; }

    /// <summary>The factor the schedule's learning rate is multiplied by: 1, halved at every rollback (checkpointed).</summary>
    public double LearningRateFactor { get; set; } = 1;

    /// <summary>Rollbacks so far in the run (checkpointed).</summary>
    public long Rollbacks { get; set; }

    /// <summary>
    /// Runs one step and returns its loss (the batch mean of the objective, before the update). The global
    /// gradient norm is always computed; when it or the loss is not finite, or the <see cref="Guard"/> finds the
    /// loss far above the recent ones, the update is skipped (the batch still counts as used, so a resumed run
    /// stays bit-exact). When the guard sees a divergence, the run goes back to its last good state.
    /// </summary>
    /// <exception cref="TrainingDivergedException">More than <see cref="MaxConsecutiveSkips"/> steps in a row were not finite, or <see cref="MaxRollbacks"/> rollbacks did not help.</exception>
    public StepResult Step()
    {
        Model.Training = true;
        var (batch, labels) = ThisRanksBatch();
        var x = Variable.Constant(batch);
        var y = labels is null ? null : Variable.Constant(labels);
        Optimizer.ZeroGrad();
        Schedule?.Apply(Optimizer);
        Optimizer.LearningRate *= LearningRateFactor;
        double rate = Optimizer.LearningRate;
        var loss = Objective.Loss(Model.LogProb(x, y));
        double value = BatchLoss(loss);
        double norm = double.NaN;
        bool spike = Guard?.IsSpike(value) == true;
        bool skipped;
        bool redone = false;
        bool untrusted = false;
        double reconstruction = double.NaN;
        double disagreement = double.NaN;
        try
        {
            if (double.IsFinite(value) && !spike)
            {
                var efficient = Model.MemoryEfficientBackprop ? Model.Reconstruction : null;
                efficient?.Reset();
                loss.Backward();
                SumGradients();
                norm = NormAndClip();
                if (efficient is { Checked: > 0 })
                {
                    reconstruction = efficient.MaxError;
                    if (Communicator.Size > 1)
                    {
                        // Every rank takes the same decision: the worst rank's error.
                        Span<double> worst = [double.IsNaN(reconstruction) ? double.PositiveInfinity : reconstruction];
                        Communicator.Max(worst);
                        reconstruction = worst[0];
                    }

                    untrusted = double.IsFinite(norm) && !(reconstruction <= ReconstructionTolerance);
                }

                if ((!double.IsFinite(norm) || untrusted) && Model.MemoryEfficientBackprop)
                {
                    // Rebuilding inputs with the inverse fails where a coupling scale underflows (the forward
                    // is then not invertible in float), or drifts where it nearly does; ordinary backprop of the
                    // same batch is still exact.
                    float[]? distrusted = untrusted ? [.. Optimizer.Parameters.SelectMany(p => p.Value.Grad?.ToArray() ?? [])] : null;
                    loss.ReleaseGraph();
                    Optimizer.ZeroGrad();
                    Model.MemoryEfficientBackprop = false;
                    try
                    {
                        loss = Objective.Loss(Model.LogProb(x, y));
                        value = BatchLoss(loss);
                        loss.Backward();
                        SumGradients();
                        norm = NormAndClip();
                        OrdinaryBackpropSteps++;
                        redone = true;
                        if (distrusted is not null)
                        {
                            disagreement = RelativeDifference(distrusted);
                        }
                    }
                    finally
                    {
                        Model.MemoryEfficientBackprop = true;
                    }
                }
            }

            skipped = spike || !double.IsFinite(value) || !double.IsFinite(norm);
            if (!skipped)
            {
                Optimizer.Step();
            }
        }
        finally
        {
            loss.ReleaseGraph();
            x.Value.Release();
            y?.Value.Release();
        }

        StepCount++;
        long? rolledBackTo = null;
        if (skipped)
        {
            SkippedSteps++;
            bool nonFinite = !spike;
            _consecutiveSkips = nonFinite ? _consecutiveSkips + 1 : 0;
            if (Guard is not null && Guard.Trouble(StepCount))
            {
                rolledBackTo = RollBack(value, norm);
            }
            else if (nonFinite && _consecutiveSkips > MaxConsecutiveSkips)
            {
                string what = double.IsFinite(value) ? $"the gradient norm was {norm}" : $"the loss was {value}";
                throw new TrainingDivergedException(
                    $"Training diverged: {_consecutiveSkips} steps in a row up to step {StepCount} were not finite ({what}); parameters were not updated by them. Try a lower --lr, a longer --warmup or --clip.");
            }
        }
        else
        {
            _consecutiveSkips = 0;
            if (Guard is not null)
            {
                Guard.Good(value);
                if ((StepCount % Guard.SnapshotEvery == 0 || Guard.SnapshotStep < 0) && Guard.IsCalm(StepCount))
                {
                    Guard.TakeSnapshot(StepCount, Model, Optimizer);
                }
            }
        }

        return new StepResult(StepCount, value, rate, norm, skipped, redone)
        {
            ReconstructionError = reconstruction,
            RedoneForReconstruction = redone && untrusted,
            GradientDisagreement = disagreement,
            Spike = spike,
            RolledBackTo = rolledBackTo,
            RecentLoss = Guard?.RecentMedian ?? double.NaN,
        };
    }

    /// <summary>‖a − g‖ / ‖g‖ of a gradient <paramref name="a"/> (flattened in parameter order) against the current gradients g.</summary>
    private double RelativeDifference(float[] a)
    {
        double diff = 0, norm = 0;
        int at = 0;
        foreach (var (_, p) in Optimizer.Parameters)
        {
            if (p.Grad is { } g)
            {
                var span = g.Span;
                for (int i = 0; i < span.Length && at < a.Length; i++, at++)
                {
                    double d = a[at] - span[i];
                    diff += d * d;
                    norm += (double)span[i] * span[i];
                }
            }
        }

        return Math.Sqrt(diff / Math.Max(norm, double.Epsilon));
    }

    /// <summary>
    /// The examples this rank computes in the current step: the whole batch in one process; with several ranks,
    /// its <see cref="Shard"/> of the batch, cut after drawing the noise of the whole batch (so the noise stream
    /// is the same for any number of ranks). Before the first step, ActNorm's data-dependent initialisation sees
    /// the whole batch on every rank, as one process would. For a class-conditional model, also the one-hot labels
    /// of the same examples.
    /// </summary>
    private (Tensor X, Tensor? Labels) ThisRanksBatch()
    {
        var indices = Order.Indices(StepCount);
        var batch = Model.ToModelShape(Train.Batch(indices, Noise));
        var comm = Communicator;
        var (start, count) = Shard(batch.Shape[0], comm.Rank, comm.Size);
        Tensor? labels = null;
        if (Model.Classes > 0)
        {
            var mine = new int[count];
            for (int i = 0; i < count; i++)
            {
                mine[i] = Train.Labels![indices[start + i]];
            }

            labels = Distributions.ClassConditionalGaussian.OneHot(mine, Model.Classes);
        }

        if (comm.Size == 1)
        {
            return (batch, labels);
        }

        if (!_initializedOnWholeBatch)
        {
            if (Model.NamedBuffers().Any(b => b.Name.EndsWith("initialized", StringComparison.Ordinal) && b.Value.Span[0] == 0f))
            {
                using var noGrad = Autograd.NoGrad();
                Model.LogProb(Variable.Constant(batch)).Value.Release();
            }

            _initializedOnWholeBatch = true; // a forward in training mode initialises every ActNorm at once
        }

        int row = batch.Length / batch.Shape[0];
        var shard = Tensor.Uninitialized([count, .. batch.Shape[1..]]);
        batch.Span.Slice(start * row, count * row).CopyTo(shard.Span);
        batch.Release();
        return (shard, labels);
    }

    /// <summary>This rank's share of the batch: its examples over the whole batch (1 in one process).</summary>
    private double ShardWeight
        => (double)Shard(Order.BatchSize, Communicator.Rank, Communicator.Size).Count / Order.BatchSize;

    /// <summary>The loss of the whole batch: the shard means weighted by their sizes and summed across ranks.</summary>
    private double BatchLoss(Variable loss)
    {
        double local = loss.Item();
        if (Communicator.Size == 1)
        {
            return local;
        }

        Span<double> v = [local * ShardWeight];
        Communicator.Sum(v);
        return v[0];
    }

    private float[] _gradients = [];

    /// <summary>Set once the data-dependent initialisation has been seen to (a model only ever needs it before its first step).</summary>
    private bool _initializedOnWholeBatch;

    /// <summary>Values in each gradient reduction across ranks (0 until the first one).</summary>
    public int ReducedValues => _gradients.Length;

    /// <summary>Gradient reductions across ranks so far in this process (one per applied or attempted step).</summary>
    public long Reductions { get; private set; }

    /// <summary>Wall time spent in the gradient reductions so far in this process (waiting for the slowest rank included).</summary>
    public double CommunicationSeconds { get; private set; }

    /// <summary>
    /// Turns each rank's gradient of its shard mean into the gradient of the batch mean: weighted by the shard's
    /// share and summed across ranks in one reduction (every rank gets the same bits). Parameters without a
    /// gradient have none on any rank (same graph) and are left out.
    /// </summary>
    private void SumGradients()
    {
        if (Communicator.Size == 1)
        {
            return;
        }

        int total = 0;
        foreach (var (_, p) in Optimizer.Parameters)
        {
            total += p.Grad?.Length ?? 0;
        }

        if (_gradients.Length != total)
        {
            _gradients = new float[total];
        }

        float w = (float)ShardWeight;
        int at = 0;
        foreach (var (_, p) in Optimizer.Parameters)
        {
            if (p.Grad is { } g)
            {
                var dst = _gradients.AsSpan(at, g.Length);
                System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, w, dst);
                at += g.Length;
            }
        }

        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        Communicator.Sum(_gradients);
        CommunicationSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Reductions++;
        at = 0;
        foreach (var (_, p) in Optimizer.Parameters)
        {
            if (p.Grad is { } g)
            {
                _gradients.AsSpan(at, g.Length).CopyTo(g.Span);
                at += g.Length;
            }
        }
    }

    /// <summary>
    /// Goes back to the guard's last good state because the current one cannot be kept (for example a
    /// parameter that is no longer finite), as a divergence does: counted, at a lower learning rate.
    /// </summary>
    /// <exception cref="TrainingDivergedException">There is no guard or no good state to go back to, or too many rollbacks.</exception>
    public long RollBackInvalidState(string reason)
        => TryRestore()
            ? Guard!.SnapshotStep
            : throw new TrainingDivergedException($"Training cannot go on at step {StepCount}: {reason}, and there is no good state to go back to (after {Rollbacks} rollbacks).");

    /// <summary>Rollbacks after which a run that keeps diverging is given up.</summary>
    public int MaxRollbacks { get; init; } = 8;

    private long RollBack(double value, double norm)
    {
        var guard = Guard!;
        if (!TryRestore())
        {
            string what = double.IsFinite(value) ? (double.IsFinite(norm) ? $"loss {value:G4} against a recent median of {guard.RecentMedian:G4}" : $"gradient norm {norm}") : $"loss {value}";
            throw new TrainingDivergedException(
                $"Training diverged at step {StepCount} ({what}) after {Rollbacks} rollbacks to a lower learning rate (now ×{LearningRateFactor:G3}). Try a lower --lr or a longer --warmup.");
        }

        return guard.SnapshotStep;
    }

    /// <summary>Goes back to the guard's good state at a lower rate, counted; false when there is none or the rollbacks are used up.</summary>
    private bool TryRestore()
    {
        if (Guard is null || Rollbacks >= MaxRollbacks || !Guard.Restore(Model, Optimizer))
        {
            return false;
        }

        Rollbacks++;
        _consecutiveSkips = 0;
        LearningRateFactor *= Guard.RateFactorOnRollback;
        return true;
    }
}
