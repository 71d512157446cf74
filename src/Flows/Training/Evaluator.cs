using Flows.Autodiff;
using Flows.Data;
using Flows.Distributed;
using Flows.Models;

namespace Flows.Training;

/// <summary>
/// Evaluation without gradients, in evaluation mode: the mean objective over a split with one fixed noise
/// seed (so the number is reproducible), and the invertibility error max |x − Decode(Encode(x))|.
/// </summary>
public static class Evaluator
{
    /// <summary>The noise seed evaluations use unless told otherwise.</summary>
    public const ulong DefaultNoiseSeed = 20181003;

    /// <summary>
    /// The mean of the objective over the first <paramref name="limit"/> examples of <paramref name="split"/>
    /// (all when null), and the mean log-density in nats; log-densities are summed in double in a fixed order.
    /// With several ranks the batches are shared out (<see cref="LogProbs"/>) and the result is the same on every rank.
    /// </summary>
    public static EvalResult Evaluate(FlowModel model, DataSplit split, Objective objective, int batchSize = 256, ulong noiseSeed = DefaultNoiseSeed, int? limit = null, Communicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int count = Math.Min(limit ?? split.Count, split.Count);
        if (count < 1)
        {
            throw new ArgumentException("Nothing to evaluate: the split is empty.", nameof(split));
        }

        double sumLogProb = 0;
        foreach (float v in LogProbs(model, split, batchSize, noiseSeed, count, communicator))
        {
            sumLogProb += v;
        }

        double meanLogProb = sumLogProb / count;
        return new EvalResult(objective.Metric(meanLogProb), meanLogProb, count);
    }

    /// <summary>
    /// log p(x) in nats of each of the first <paramref name="limit"/> examples of <paramref name="split"/> (all
    /// when null), with the same fixed-seed dequantization noise as <see cref="Evaluate"/>. With several ranks
    /// (<paramref name="communicator"/>), rank r computes batches r, r + N, r + 2N, … (every rank still draws the noise
    /// of every batch, so each example gets the noise it gets in one process) and one sum across ranks gives every
    /// rank all values: the same bits as one process.
    /// </summary>
    public static float[] LogProbs(FlowModel model, DataSplit split, int batchSize = 256, ulong noiseSeed = DefaultNoiseSeed, int? limit = null, Communicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int count = Math.Min(limit ?? split.Count, split.Count);
        var result = new float[count];
        var comm = communicator ?? Communicator.OneProcess;
        ForEachBatch(model, split, count, batchSize, noiseSeed, (b, start, n, x) =>
        {
            if (b % comm.Size == comm.Rank)
            {
                var logp = model.LogProb(Variable.Constant(x));
                logp.Value.Span.CopyTo(result.AsSpan(start, n));
            }
        });

        // The other ranks' entries are zero here, and x + 0 = x exactly.
        comm.Sum(result);
        return result;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(batch, start, n, x) on consecutive batches of the first <paramref name="count"/>
    /// examples of <paramref name="split"/> in evaluation mode without recording, every batch drawn with the fixed
    /// noise stream <paramref name="noiseSeed"/> (so an example gets the same noise whatever the batch size); x, in the
    /// model's shape, is released after the body.
    /// </summary>
    internal static void ForEachBatch(FlowModel model, DataSplit split, int count, int batchSize, ulong noiseSeed, Action<int, int, int, Tensor> body)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rng = new Rng(noiseSeed);
        bool wasTraining = model.Training;
        model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            var indices = new int[batchSize];
            for (int start = 0, b = 0; start < count; start += batchSize, b++)
            {
                int n = Math.Min(batchSize, count - start);
                for (int i = 0; i < n; i++)
                {
                    indices[i] = start + i;
                }

                var x = model.ToModelShape(split.Batch(indices.AsSpan(0, n), rng));
                body(b, start, n, x);
                x.Release();
            }
        }
        finally
        {
            model.Training = wasTraining;
        }
    }

    /// <summary>max |x − Decode(Encode(x))| over the first <paramref name="count"/> examples of <paramref name="split"/> (NaN if any is NaN).</summary>
    public static double InvertibilityError(FlowModel model, DataSplit split, int count = 256, int batchSize = 128, ulong noiseSeed = DefaultNoiseSeed)
        => MaxError(InvertibilityErrors(model, split, count, batchSize, noiseSeed));

    /// <summary>The largest of per-example errors, NaN if any is NaN (<see cref="Enumerable.Max(IEnumerable{double})"/> skips NaN), 0 if there are none.</summary>
    internal static double MaxError(IReadOnlyList<double> errors)
        => errors.Any(double.IsNaN) ? double.NaN : errors.DefaultIfEmpty(0).Max();

    /// <summary>
    /// max |x − Decode(Encode(x))| of each of the first <paramref name="count"/> examples of <paramref name="split"/>
    /// (NaN for an example whose round trip gives NaN), with the evaluation's fixed noise: how exact encoding is, example by example.
    /// </summary>
    public static double[] InvertibilityErrors(FlowModel model, DataSplit split, int count = 256, int batchSize = 128, ulong noiseSeed = DefaultNoiseSeed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        count = Math.Min(count, split.Count);
        var errors = new double[count];
        ForEachBatch(model, split, count, batchSize, noiseSeed, (_, start, n, x) =>
        {
            var back = model.Decode(model.Encode(x));
            var a = x.Span;
            var b = back.Span;
            int d = a.Length / n;
            for (int i = 0; i < n; i++)
            {
                double worst = 0;
                for (int j = i * d; j < (i + 1) * d; j++)
                {
                    double e = Math.Abs((double)a[j] - b[j]);
                    worst = double.IsNaN(e) || double.IsNaN(worst) ? double.NaN : Math.Max(worst, e);
                }

                errors[start + i] = worst;
            }

            back.Release();
        });
        return errors;
    }
}
