using System.Numerics.Tensors;

namespace Flows.Kernels;

/// <summary>
/// Views a row-major shape as [outer, mid, inner] around one contiguous block of axes. A tensor that
/// varies only along that block broadcasts against the full shape (per-channel, per-sample, scalar,
/// [1, D] against [N, D]), and summing the full shape over everything but the block is the adjoint.
/// </summary>
internal readonly record struct BlockLayout(int Outer, int Mid, int Inner)
{
    public int Length => Outer * Mid * Inner;

    /// <summary>
    /// The layout of <paramref name="part"/> (right-aligned, numpy style) inside <paramref name="full"/>.
    /// Throws when the axes where <paramref name="part"/> varies are not one contiguous block of full extents.
    /// </summary>
    public static BlockLayout Of(ReadOnlySpan<int> full, ReadOnlySpan<int> part)
    {
        if (part.Length > full.Length)
        {
            throw Incompatible(full, part);
        }

        int offset = full.Length - part.Length;
        int first = -1, last = -1;
        for (int i = 0; i < full.Length; i++)
        {
            int p = i < offset ? 1 : part[i - offset];
            if (p != 1 && p != full[i])
            {
                throw Incompatible(full, part);
            }

            if (p != 1)
            {
                if (first < 0)
                {
                    first = i;
                }

                last = i;
            }
        }

        if (first < 0)
        {
            return new BlockLayout(Product(full), 1, 1);
        }

        for (int i = first; i <= last; i++)
        {
            int p = i < offset ? 1 : part[i - offset];
            if (p != full[i])
            {
                throw new ArgumentException($"Shape {FormatShape(part)} broadcasts against {FormatShape(full)} along non-contiguous axes; reshape it first.");
            }
        }

        return new BlockLayout(Product(full[..first]), Product(full[first..(last + 1)]), Product(full[(last + 1)..]));
    }

    /// <summary>The layout that keeps the axes in [first, last] and sums the others.</summary>
    public static BlockLayout Keep(ReadOnlySpan<int> full, int first, int last)
        => first > last
            ? new BlockLayout(Product(full), 1, 1)
            : new BlockLayout(Product(full[..first]), Product(full[first..(last + 1)]), Product(full[(last + 1)..]));

    /// <summary>part[m] = Σ_{o,i} full[o, m, i]. Deterministic: fixed order.</summary>
    public void SumToMid(ReadOnlySpan<float> full, Span<float> part)
    {
        part[..Mid].Clear();
        for (int o = 0; o < Outer; o++)
        {
            var block = full.Slice(o * Mid * Inner, Mid * Inner);
            if (Inner == 1)
            {
                TensorPrimitives.Add(part[..Mid], block, part[..Mid]);
                continue;
            }

            for (int m = 0; m < Mid; m++)
            {
                part[m] += TensorPrimitives.Sum(block.Slice(m * Inner, Inner));
            }
        }
    }

    private static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }

        return p;
    }

    private static ArgumentException Incompatible(ReadOnlySpan<int> full, ReadOnlySpan<int> part)
        => new($"Shape {FormatShape(part)} does not broadcast to {FormatShape(full)}.");

    /// <summary>"[2, 3, 4]": the same text as the tensor layer's, without depending on it.</summary>
    private static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
