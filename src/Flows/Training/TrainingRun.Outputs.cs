using Flows.Checkpoints;
using Flows.Data;
using Flows.IO;
using Flows.Pictures;

namespace Flows.Training;

/// <summary>The files a run writes besides its steps: evaluations, pictures, the curve and checkpoints.</summary>
public sealed partial class TrainingRun
{
    /// <summary>Seed of every picture's samples, so pictures of successive epochs show the same noise.</summary>
    public const ulong PictureSeed = 7;

    /// <summary>The run's metrics log, metrics.jsonl in the output folder.</summary>
    public string MetricsPath => Path.Combine(Folder, "metrics.jsonl");

    /// <summary>The training curve, curve.svg in the output folder.</summary>
    public string CurvePath => Path.Combine(Folder, "curve.svg");

    /// <summary>The folder of the sample pictures (samples/epoch-NNN.png).</summary>
    public string SamplesFolder => Path.Combine(Folder, "samples");

    /// <summary>The model of the run's best test evaluation (config and weights, no optimizer state).</summary>
    public string BestFolder => Path.Combine(Folder, "best");

    /// <summary>One line on how the run's steps went: skipped, redone, rolled back; with several ranks, a second on the gradient reductions.</summary>
    public string Summary()
    {
        string steps = $"Steps: {StepCount} in total; {_trainer.SkippedSteps} not applied (non-finite or a loss spike), "
            + $"{_trainer.OrdinaryBackpropSteps} redone with ordinary backprop (memory-efficient gradient non-finite or rebuilt from inaccurate inverses), "
            + $"{_trainer.Rollbacks} rollbacks (learning rate ×{_trainer.LearningRateFactor:G3}).";
        if (Communicator.Size == 1 || _trainer.Reductions == 0)
        {
            return steps;
        }

        double ms = 1000 * _trainer.CommunicationSeconds / _trainer.Reductions;
        double share = _trainer.CommunicationSeconds / Math.Max(_stepSeconds, 1e-9);
        return steps + Environment.NewLine
            + $"Gradient allreduce over {Communicator.Size} ranks: {_trainer.ReducedValues:N0} floats ({_trainer.ReducedValues * 4 / 1e6:0.00} MB) per step, "
            + $"{ms:0.00} ms per step on rank 0 ({share:P1} of its step time, waiting for the slowest rank included), {_trainer.Reductions} reductions this session.";
    }

    /// <summary>Seconds spent in training steps in this process (this session).</summary>
    private double _stepSeconds;

    private EvalResult EvaluateAndPicture(ITrainingObserver observer, string pictureName)
    {
        var settings = Config.Training;
        var result = Evaluator.Evaluate(Model, Dataset.Test, _trainer.Objective, Math.Max(settings.Batch, 100), Evaluator.DefaultNoiseSeed, settings.TestSize, Communicator);
        double epochs = (double)StepCount / _trainer.Order.BatchesPerEpoch;
        _metrics.Append(new MetricsRecord
        {
            Kind = "test",
            Step = StepCount,
            Epoch = epochs,
            Metric = _trainer.Objective.Name,
            Value = result.Metric,
            ElapsedSeconds = _elapsedBefore,
            Count = result.Count,
        });
        observer.Evaluated(StepCount, epochs, result);
        if (double.IsFinite(result.Metric) && (_bestTest is not { } best || result.Metric <= best))
        {
            _bestTest = result.Metric;
            _bestStep = StepCount;
            if (Communicator.IsRoot)
            {
                Checkpoint.Save(BestFolder, Config, Model, null, null);
            }
        }

        if (!Communicator.IsRoot)
        {
            return result;
        }

        string picture = Path.Combine(SamplesFolder, pictureName + ".png");
        WriteOutput(picture, () => PngWriter.Save(Picture(), picture));
        WriteOutput(CurvePath, () => AtomicFile.WriteAllText(CurvePath, _metrics.ToSvg($"{Config.Model.Kind} on {Config.Data.Name}")));
        observer.Message($"Wrote {picture} and {CurvePath}.");
        return result;
    }

    private void WriteFinalPicture()
    {
        if (!Communicator.IsRoot)
        {
            return;
        }

        string final = Path.Combine(SamplesFolder, "final.png");
        WriteOutput(final, () => PngWriter.Save(Picture(), final));
        WriteOutput(CurvePath, () => AtomicFile.WriteAllText(CurvePath, _metrics.ToSvg($"{Config.Model.Kind} on {Config.Data.Name}")));
    }

    /// <summary>Writes a picture or chart of the run; a disk that refuses it (full, read-only) ends the run with one message that says the checkpoint is untouched.</summary>
    private void WriteOutput(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (AtomicFile.IsRefusedWrite(e))
        {
            throw new IOException($"Could not write {path} ({ErrorText.Of(e)}); the checkpoint in {CheckpointFolder} is unchanged.", e);
        }
    }

    private RasterImage Picture()
    {
        var settings = Config.Training;
        if (Dataset.Dequantization is { } dq)
        {
            return ModelPictures.SampleGrid(Model, dq, settings.SampleCount, settings.SampleTemperature, PictureSeed);
        }

        if (Dataset.Test is PointSplit points && Model.Dimensions == 2)
        {
            return ModelPictures.PointPanels(Model, points, PictureSeed);
        }

        throw new InvalidOperationException($"No picture for data of shape {Tensor.FormatShape(Dataset.SampleShape)}.");
    }

    /// <summary>The step and shared checksum of the last check that every rank holds the same state (data-parallel runs).</summary>
    private (long Step, ulong Checksum)? _agreed;

    /// <summary>Says that the ranks were found identical at the last save (nothing in one process).</summary>
    private void SayRanksAgree(ITrainingObserver observer)
    {
        if (_agreed is { } a)
        {
            observer.Message($"All {Communicator.Size} ranks hold identical parameters, buffers and optimizer state at step {a.Step} (checksum {a.Checksum:x16}, compared across ranks).");
        }
    }

    private void Save(double trainSeconds, ITrainingObserver observer)
    {
        // A checkpoint is replaced only by a valid one: a state that is no longer finite goes back to the guard's
        // last good state (counted as a rollback) and the checkpoint on disk stays as it was.
        if (Checkpoint.NonFiniteState(Model, Optimizer) is { } bad)
        {
            long back = _trainer.RollBackInvalidState(bad);
            observer.Message($"Step {StepCount}: {bad}; not saved; rolled back to the state of step {back} at {_trainer.LearningRateFactor:G3}× the learning rate (rollback {_trainer.Rollbacks}).");
            return;
        }

        // Every rank took the same decision above (same state); one checks that they still hold the same state, one writes.
        _agreed = RankAgreement.CheckIdenticalState(Communicator, Model, Optimizer, StepCount) is { } sum ? (StepCount, sum) : null;
        if (!Communicator.IsRoot)
        {
            return;
        }

        var state = new TrainingState
        {
            Step = StepCount,
            NoiseState = _trainer.Noise.State,
            ElapsedSeconds = _elapsedBefore + trainSeconds,
            EvaluatedEpochs = _evaluatedEpochs,
            LearningRateFactor = _trainer.LearningRateFactor,
            Rollbacks = _trainer.Rollbacks,
            SkippedSteps = _trainer.SkippedSteps,
            OrdinaryBackpropSteps = _trainer.OrdinaryBackpropSteps,
            BestTest = _bestTest,
            BestStep = _bestStep,
        };
        Checkpoint.Write(CheckpointFolder, Config, Model, Optimizer, state);
    }
}
