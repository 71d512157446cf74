namespace Flows.Models;

/// <summary>
/// Arithmetic on multi-level latents (one tensor per level, batch first), as used for Glow's
/// interpolations and attribute manipulation (Kingma and Dhariwal 2018, §5.3). Pure tensor math: pair
/// with <see cref="FlowModel.Encode"/> and <see cref="FlowModel.Decode"/>.
/// </summary>
public static class LatentOps
{
    /// <summary>
    /// Per level, <paramref name="steps"/> points (1 − t)·a + t·b for t = 0, 1/(steps−1), …, 1 between two
    /// single-example encodings ([1, …] per level): [steps, …] per level.
    /// </summary>
    public static Tensor[] Interpolate(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b, int steps)
    {
        CheckLevels(a, b);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        var path = new Tensor[a.Count];
        for (int level = 0; level < a.Count; level++)
        {
            var za = a[level].Span;
            var zb = b[level].Span;
            path[level] = Tensor.Uninitialized([steps, .. a[level].Shape[1..]]);
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

        return path;
    }

    /// <summary>
    /// Per level, the mean latent of the examples with the attribute minus the mean latent of the others
    /// ([1, …] per level; means accumulated in double). Both groups must be non-empty.
    /// </summary>
    public static Tensor[] AttributeDirection(IReadOnlyList<Tensor> latents, ReadOnlySpan<bool> hasAttribute)
    {
        ArgumentNullException.ThrowIfNull(latents);
        int with = 0;
        foreach (bool h in hasAttribute)
        {
            with += h ? 1 : 0;
        }

        int without = hasAttribute.Length - with;
        if (with == 0 || without == 0)
        {
            throw new ArgumentException($"Both groups need examples: {with} with the attribute, {without} without.", nameof(hasAttribute));
        }

        var direction = new Tensor[latents.Count];
        for (int level = 0; level < latents.Count; level++)
        {
            var z = latents[level];
            if (z.Shape[0] != hasAttribute.Length)
            {
                throw new ArgumentException($"Level {level} has {z.Shape[0]} examples but {hasAttribute.Length} attribute flags.", nameof(latents));
            }

            int d = z.Length / z.Shape[0];
            var sumWith = new double[d];
            var sumWithout = new double[d];
            var zs = z.Span;
            for (int n = 0; n < hasAttribute.Length; n++)
            {
                var sum = hasAttribute[n] ? sumWith : sumWithout;
                for (int i = 0; i < d; i++)
                {
                    sum[i] += zs[(n * d) + i];
                }
            }

            direction[level] = Tensor.Uninitialized([1, .. z.Shape[1..]]);
            var dst = direction[level].Span;
            for (int i = 0; i < d; i++)
            {
                dst[i] = (float)((sumWith[i] / with) - (sumWithout[i] / without));
            }
        }

        return direction;
    }

    /// <summary>Per level, z + strength·direction for a single encoding and each strength: [strengths, …] per level.</summary>
    public static Tensor[] Manipulate(IReadOnlyList<Tensor> encoding, IReadOnlyList<Tensor> direction, IReadOnlyList<float> strengths)
    {
        CheckLevels(encoding, direction);
        ArgumentNullException.ThrowIfNull(strengths);
        var result = new Tensor[encoding.Count];
        for (int level = 0; level < encoding.Count; level++)
        {
            var z = encoding[level].Span;
            var v = direction[level].Span;
            result[level] = Tensor.Uninitialized([strengths.Count, .. encoding[level].Shape[1..]]);
            var dst = result[level].Span;
            for (int s = 0; s < strengths.Count; s++)
            {
                for (int i = 0; i < z.Length; i++)
                {
                    dst[(s * z.Length) + i] = z[i] + (strengths[s] * v[i]);
                }
            }
        }

        return result;
    }

    private static void CheckLevels(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Latents with {a.Count} and {b.Count} levels.", nameof(b));
        }

        for (int level = 0; level < a.Count; level++)
        {
            if (a[level].Shape[0] != 1 || b[level].Shape[0] != 1 || !Tensor.SameShape(a[level].Shape, b[level].Shape))
            {
                throw new ArgumentException($"Level {level}: expected two single-example latents of one shape, got {Tensor.FormatShape(a[level].Shape)} and {Tensor.FormatShape(b[level].Shape)}.", nameof(b));
            }
        }
    }
}
