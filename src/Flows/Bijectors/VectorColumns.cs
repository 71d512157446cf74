using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Column gathers and merges on [N, D] batches, the plumbing of vector couplings and permutations: a
/// mask over the D features becomes two index lists, and the coupling works on the two parts.
/// </summary>
internal static class VectorColumns
{
    /// <summary>y[n, j] = x[n, index[j]]; backward scatters the gradient back (indices distinct).</summary>
    public static Variable Gather(Variable x, int[] index)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckMatrix(x, nameof(x));
        int n = x.Shape[0], d = x.Shape[1], k = index.Length;
        var y = Tensor.Uninitialized(n, k);
        var xs = x.Value.Span;
        var ys = y.Span;
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < k; j++)
            {
                ys[(s * k) + j] = xs[(s * d) + index[j]];
            }
        }

        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Zeros(n, d);
            var gs = g.Span;
            var gxs = gx.Span;
            for (int s = 0; s < n; s++)
            {
                for (int j = 0; j < k; j++)
                {
                    gxs[(s * d) + index[j]] += gs[(s * k) + j];
                }
            }

            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y[n, indexA[j]] = a[n, j] and y[n, indexB[j]] = b[n, j]; the two lists partition [0, D).</summary>
    public static Variable Merge(Variable a, int[] indexA, Variable b, int[] indexB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckMatrix(a, nameof(a));
        CheckMatrix(b, nameof(b));
        int n = a.Shape[0], ka = indexA.Length, kb = indexB.Length, d = ka + kb;
        if (b.Shape[0] != n || a.Shape[1] != ka || b.Shape[1] != kb)
        {
            throw new ArgumentException($"Merge of {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)} into {ka} + {kb} columns.");
        }

        var y = Tensor.Uninitialized(n, d);
        Scatter(a.Value.Span, indexA, y.Span, n, d);
        Scatter(b.Value.Span, indexB, y.Span, n, d);
        return Variable.FromOp(y, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                var ga = Tensor.Uninitialized(n, ka);
                GatherRows(g.Span, indexA, ga.Span, n, d);
                a.AccumulateGradOwned(ga);
            }

            if (b.RequiresGrad)
            {
                var gb = Tensor.Uninitialized(n, kb);
                GatherRows(g.Span, indexB, gb.Span, n, d);
                b.AccumulateGradOwned(gb);
            }
        });
    }

    /// <summary>The even/odd split of [0, D): parity 0 keeps the even features and transforms the odd ones; parity 1 the reverse.</summary>
    public static (int[] Kept, int[] Transformed) ParitySplit(int dimensions, int parity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 2);
        if (parity is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(parity), parity, "Parity is 0 or 1.");
        }

        var kept = new List<int>();
        var transformed = new List<int>();
        for (int i = 0; i < dimensions; i++)
        {
            (i % 2 == parity ? kept : transformed).Add(i);
        }

        return ([.. kept], [.. transformed]);
    }

    public static void CheckVectorInput(Variable x, int dimensions, string typeName)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 2 || x.Shape[1] != dimensions)
        {
            throw new ArgumentException($"{typeName} over {dimensions} features needs a batch [N, {dimensions}], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }

    /// <summary>A per-sample log-det [N] whose every entry is the scalar <paramref name="logDet"/>.</summary>
    public static Variable PerSample(Variable logDet, int n) => Ops.Add(Variable.Constant(Tensor.Zeros(n)), logDet);

    private static void Scatter(ReadOnlySpan<float> part, int[] index, Span<float> full, int n, int d)
    {
        int k = index.Length;
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < k; j++)
            {
                full[(s * d) + index[j]] = part[(s * k) + j];
            }
        }
    }

    private static void GatherRows(ReadOnlySpan<float> full, int[] index, Span<float> part, int n, int d)
    {
        int k = index.Length;
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < k; j++)
            {
                part[(s * k) + j] = full[(s * d) + index[j]];
            }
        }
    }

    private static void CheckMatrix(Variable x, string name)
    {
        if (x.Shape.Length != 2)
        {
            throw new ArgumentException($"Expected a batch [N, D], got {Tensor.FormatShape(x.Shape)}.", name);
        }
    }
}
