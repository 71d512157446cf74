using Flows.Data;
using Flows.Models;
using Flows.Training;

namespace Flows.Scoring;

/// <summary>Computes <see cref="AnomalyScores"/> of a split under a flow (and a background flow for the likelihood ratio).</summary>
public static class Scorer
{
    /// <summary>
    /// Scores every example of <paramref name="split"/>: log p with the evaluation's fixed noise seed, the
    /// likelihood score, for images the compressed length, and with <paramref name="background"/> its likelihood.
    /// </summary>
    public static AnomalyScores Score(FlowModel model, DataSplit split, FlowModel? background = null, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        if (!Tensor.SameShape(split.SampleShape, model.DataShape) && split.Dimensions != model.Dimensions)
        {
            throw new ArgumentException($"The data are {Tensor.FormatShape(split.SampleShape)}, but the model takes {Tensor.FormatShape(model.DataShape)}.", nameof(split));
        }

        if (background is not null && !Tensor.SameShape(background.DataShape, model.DataShape))
        {
            throw new ArgumentException($"The background model takes {Tensor.FormatShape(background.DataShape)}, but the model takes {Tensor.FormatShape(model.DataShape)}.", nameof(background));
        }

        int count = Math.Min(limit ?? split.Count, split.Count);
        if (count == 0)
        {
            throw new ArgumentException("Nothing to score: the data are empty.", nameof(split));
        }

        var logp = Evaluator.LogProbs(model, split, limit: count);
        float[]? compressed = null;
        if (split is ImageSplit images)
        {
            var set = images.Images;
            compressed = new float[count];
            Parallel.For(0, count, i => compressed[i] = (float)Complexity.BitsPerDim(set.Image(i), set.Channels, set.Height, set.Width));
        }

        float[]? backgroundLikelihood = background is null ? null : Likelihood(background, split, count);
        return new AnomalyScores(logp, ToLikelihood(logp, split), compressed, backgroundLikelihood, TopLevelEnergy(model, split, count));
    }

    /// <summary>
    /// ½·mean(z²) of each example's top-level latent (the last of <see cref="FlowModel.Encode"/>), with the same
    /// dequantization noise as <see cref="Evaluator.LogProbs"/>.
    /// </summary>
    public static float[] TopLevelEnergy(FlowModel model, DataSplit split, int? limit = null, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        int count = Math.Min(limit ?? split.Count, split.Count);
        var result = new float[count];
        Evaluator.ForEachBatch(model, split, count, batchSize, Evaluator.DefaultNoiseSeed, (_, start, n, x) =>
        {
            var top = model.Encode(x)[^1].Span;
            int d = top.Length / n;
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                foreach (float v in top.Slice(i * d, d))
                {
                    sum += (double)v * v;
                }

                result[start + i] = (float)(0.5 * sum / d);
            }
        });

        return result;
    }

    /// <summary>The <see cref="ScoreKind.Likelihood"/> score alone (−log p: bits/dim for images, nats for vectors), without the others' work.</summary>
    public static float[] Likelihood(FlowModel model, DataSplit split, int? limit = null)
        => ToLikelihood(Evaluator.LogProbs(model, split, limit: limit), split);

    private static float[] ToLikelihood(float[] logp, DataSplit split) => split is ImageSplit images
        ? [.. logp.Select(l => (float)images.Dequantization.BitsPerDim(l, split.Dimensions))]
        : [.. logp.Select(l => -l)];
}
