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

    /// <summary>Runs one step and returns its loss (the batch mean of the objective, before the update).</summary>
    /// <exception cref="TrainingDivergedException">The loss or the gradient is not finite; nothing was updated.</exception>
    public StepResult Step()
    {
        Model.Training = true;
        var batch = Train.Batch(Order.Indices(StepCount), Noise);
        var x = Variable.Constant(Evaluator.ToModelShape(batch, Model));
        Optimizer.ZeroGrad();
        Schedule?.Apply(Optimizer);
        var loss = Objective.Loss(Model.LogProb(x));
        double value = loss.Item();
        double norm = double.NaN;
        try
        {
            if (!double.IsFinite(value))
            {
                throw new TrainingDivergedException($"The loss became {value} at step {StepCount + 1}; parameters were not updated. Try a lower --lr, a longer --warmup or --clip.");
            }

            loss.Backward();
            if (ClipNorm > 0)
            {
                norm = GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, ClipNorm);
                if (!double.IsFinite(norm))
                {
                    throw new TrainingDivergedException($"The gradient norm became {norm} at step {StepCount + 1}; parameters were not updated.");
                }
            }

            Optimizer.Step();
        }
        finally
        {
            loss.ReleaseGraph();
            x.Value.Release();
        }

        StepCount++;
        return new StepResult(StepCount, value, Optimizer.LearningRate, norm);
    }
}
