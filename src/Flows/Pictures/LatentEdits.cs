using Flows.Autodiff;
using Flows.Data;
using Flows.Models;

namespace Flows.Pictures;

/// <summary>
/// Edits in latent space, without gradients in evaluation mode: encoding in batches, linear
/// interpolation between two encodings, and Glow's attribute manipulation (Kingma and Dhariwal 2018,
/// §5.3): the direction is the mean latent of examples with a label minus that of the others, added
/// to an encoding at a range of strengths.
/// </summary>
public static class LatentEdits
{
    /// <summary>Latents of the examples at <paramref name="indices"/> (dequantized at the bin centres), one tensor per level.</summary>
    public static IReadOnlyList<Tensor> Encode(FlowModel model, DataSplit split, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        var x = model.ToModelShape(split.Batch(indices, null));
        var z = Run(model, () => model.Encode(x));
        x.Release();
        return z;
    }

    /// <summary>Decodes <paramref name="latents"/> (one tensor per level) to data, in evaluation mode without gradients.</summary>
    public static Tensor Decode(FlowModel model, IReadOnlyList<Tensor> latents)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Run(model, () => model.Decode(latents));
    }

    /// <summary>
    /// <paramref name="steps"/> points z(t) = (1 − t)·a + t·b, t = 0 … 1, of two single-example encodings,
    /// decoded: [steps, ..DataShape].
    /// </summary>
    public static Tensor Interpolate(FlowModel model, IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b, int steps)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        CheckSameLevels(a, b);
        var path = new Tensor[a.Count];
        for (int level = 0; level < a.Count; level++)
        {
            var za = a[level].Span;
            var zb = b[level].Span;
            int[] shape = [steps, .. a[level].Shape[1..]];
            path[level] = Tensor.Uninitialized(shape);
            var dst = path[level].Span;
            for (int s = 0; s < steps; s++)
            {
                float t = (float)s / (steps - 1);
                for (int i = 0; i < za.Length; i++)
                {
                    dst[(s * za.Length) + i] = ((1 - t) * za[i]) + (t * zb[i]);
                }
            }
        }

        return Decode(model, path);
    }

    /// <summary>
    /// The manipulation direction for <paramref name="label"/>: per level, the mean latent of examples
    /// with that label minus the mean latent of the others, over the first <paramref name="count"/> examples.
    /// </summary>
    public static Tensor[] AttributeDirection(FlowModel model, DataSplit split, int label, int count, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        var labels = split.Labels ?? throw new ArgumentException("The data have no labels, so there is no attribute to manipulate.", nameof(split));
        count = Math.Min(count, split.Count);
        double[][]? withSum = null, withoutSum = null;
        int with = 0, without = 0;
        var indices = new int[batchSize];
        int[][] shapes = [];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            for (int i = 0; i < n; i++)
            {
                indices[i] = start + i;
            }

            var z = Encode(model, split, indices.AsSpan(0, n));
            if (withSum is null)
            {
                withSum = new double[z.Count][];
                withoutSum = new double[z.Count][];
                shapes = new int[z.Count][];
                for (int level = 0; level < z.Count; level++)
                {
                    int per = z[level].Length / n;
                    withSum[level] = new double[per];
                    withoutSum![level] = new double[per];
                    shapes[level] = [1, .. z[level].Shape[1..]];
                }
            }

            for (int i = 0; i < n; i++)
            {
                bool has = labels[start + i] == label;
                if (has)
                {
                    with++;
                }
                else
                {
                    without++;
                }

                for (int level = 0; level < z.Count; level++)
                {
                    var target = has ? withSum[level] : withoutSum![level];
                    var src = z[level].Span.Slice(i * target.Length, target.Length);
                    for (int k = 0; k < target.Length; k++)
                    {
                        target[k] += src[k];
                    }
                }
            }

            foreach (var t in z)
            {
                t.Release();
            }
        }

        if (with == 0 || without == 0)
        {
            throw new ArgumentException($"Label {label} occurs in {with} of the first {count} examples; the direction needs examples with and without it.", nameof(label));
        }

        var direction = new Tensor[withSum!.Length];
        for (int level = 0; level < direction.Length; level++)
        {
            direction[level] = Tensor.Uninitialized(shapes[level]);
            var d = direction[level].Span;
            for (int k = 0; k < d.Length; k++)
            {
                d[k] = (float)((withSum[level][k] / with) - (withoutSum![level][k] / without));
            }
        }

        return direction;
    }

    /// <summary>
    /// For each single-example encoding z and each strength α: Decode(z + α·direction). Returns
    /// [encodings × strengths, ..DataShape], one encoding after the other.
    /// </summary>
    public static Tensor Manipulate(FlowModel model, IReadOnlyList<Tensor> encodings, IReadOnlyList<Tensor> direction, IReadOnlyList<float> strengths)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        ArgumentNullException.ThrowIfNull(direction);
        ArgumentNullException.ThrowIfNull(strengths);
        CheckSameLevels(encodings, direction);
        int n = encodings[0].Shape[0], m = strengths.Count;
        var edited = new Tensor[encodings.Count];
        for (int level = 0; level < encodings.Count; level++)
        {
            int per = direction[level].Length;
            edited[level] = Tensor.Uninitialized([n * m, .. encodings[level].Shape[1..]]);
            var dst = edited[level].Span;
            var z = encodings[level].Span;
            var d = direction[level].Span;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    var row = dst.Slice(((i * m) + j) * per, per);
                    for (int k = 0; k < per; k++)
                    {
                        row[k] = z[(i * per) + k] + (strengths[j] * d[k]);
                    }
                }
            }
        }

        return Decode(model, edited);
    }

    private static void CheckSameLevels(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Latents with {a.Count} and {b.Count} levels.", nameof(b));
        }

        for (int level = 0; level < a.Count; level++)
        {
            if (!Tensor.SameShape(a[level].Shape.AsSpan(1), b[level].Shape.AsSpan(1)))
            {
                throw new ArgumentException(
                    $"Level {level} latents differ in shape: {Tensor.FormatShape(a[level].Shape)} and {Tensor.FormatShape(b[level].Shape)}.", nameof(b));
            }
        }
    }

    private static T Run<T>(FlowModel model, Func<T> body)
    {
        bool wasTraining = model.Training;
        model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            return body();
        }
        finally
        {
            model.Training = wasTraining;
        }
    }
}
