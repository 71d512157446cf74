using Flows.Autodiff;
using Flows.Data;
using Flows.Kernels;
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
    public Trainer(FlowModel model, Optimizer optimizer, LearningRateSchedule? schedule, DataSplit train, Objective objective, BatchOrder order, Rng noise, double clipNorm = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(noise);
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

    public FlowModel Model { get; }

    public Optimizer Optimizer { get; }

    public LearningRateSchedule? Schedule { get; }

    public DataSplit Train { get; }

    public Objective Objective { get; }

    public BatchOrder Order { get; }

    /// <summary>The generator of the dequantization noise (its state is checkpointed).</summary>
    public Rng Noise { get; }

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
        var batch = Train.Batch(Order.Indices(StepCount), Noise);
        var x = Variable.Constant(Evaluator.ToModelShape(batch, Model));
        Optimizer.ZeroGrad();
        Schedule?.Apply(Optimizer);
        Optimizer.LearningRate *= LearningRateFactor;
        double rate = Optimizer.LearningRate;
        var loss = Objective.Loss(Model.LogProb(x));
        double value = loss.Item();
        double norm = double.NaN;
        bool spike = Guard?.IsSpike(value) == true;
        bool skipped;
        bool redone = false;
        try
        {
            if (double.IsFinite(value) && !spike)
            {
                loss.Backward();
                norm = NormAndClip();
                if (!double.IsFinite(norm) && Model is MultiScaleFlow { MemoryEfficientBackprop: true } flow)
                {
                    // Rebuilding inputs with the inverse fails where a coupling scale underflows (the forward
                    // is then not invertible in float); ordinary backprop of the same batch is still exact.
                    loss.ReleaseGraph();
                    Optimizer.ZeroGrad();
                    flow.MemoryEfficientBackprop = false;
                    try
                    {
                        loss = Objective.Loss(Model.LogProb(x));
                        value = loss.Item();
                        loss.Backward();
                        norm = NormAndClip();
                        OrdinaryBackpropSteps++;
                        redone = true;
                    }
                    finally
                    {
                        flow.MemoryEfficientBackprop = true;
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
            Spike = spike,
            RolledBackTo = rolledBackTo,
            RecentLoss = Guard?.RecentMedian ?? double.NaN,
        };
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
