using System.Numerics.Tensors;
using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>Sum of every element, as a rank-0 tensor.</summary>
    public static Variable Sum(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var axes = new int[x.Shape.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            axes[i] = i;
        }

        return Sum(x, axes, keepDims: false);
    }

    /// <summary>Mean of every element, as a rank-0 tensor.</summary>
    public static Variable Mean(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Scale(Sum(x), 1f / x.Value.Length);
    }

    /// <summary>
    /// Sum over <paramref name="axes"/>. The axes that remain must be contiguous (per sample: sum over
    /// 1..r−1; per channel of NCHW: sum over 0, 2, 3; all), which covers every reduction a flow needs.
    /// </summary>
    public static Variable Sum(Variable x, int[] axes, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        int rank = x.Shape.Length;
        var reduced = new bool[rank];
        foreach (int a in axes)
        {
            int axis = a < 0 ? a + rank : a;
            if ((uint)axis >= (uint)rank)
            {
                throw new ArgumentOutOfRangeException(nameof(axes), $"Axis {a} is out of range for shape {Tensor.FormatShape(x.Shape)}.");
            }

            reduced[axis] = true;
        }

        int first = -1, last = -1;
        for (int i = 0; i < rank; i++)
        {
            if (!reduced[i])
            {
                if (first < 0)
                {
                    first = i;
                }

                last = i;
            }
        }

        for (int i = first + 1; i < last && first >= 0; i++)
        {
            if (reduced[i])
            {
                throw new ArgumentException($"Sum over axes [{string.Join(", ", axes)}] of {Tensor.FormatShape(x.Shape)} leaves non-contiguous axes; permute first.", nameof(axes));
            }
        }

        var kept = new List<int>();
        for (int i = 0; i < rank; i++)
        {
            if (!reduced[i])
            {
                kept.Add(x.Shape[i]);
            }
            else if (keepDims)
            {
                kept.Add(1);
            }
        }

        int[] outShape = [.. kept];
        var layout = first < 0 ? BlockLayout.Keep(x.Shape, 0, -1) : BlockLayout.Keep(x.Shape, first, last);
        var y = Tensor.Uninitialized(outShape);
        layout.SumToMid(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            BroadcastFill(g.Span, layout, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>Mean over <paramref name="axes"/> (same contiguity rule as <see cref="Sum(Variable, int[], bool)"/>).</summary>
    public static Variable Mean(Variable x, int[] axes, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var s = Sum(x, axes, keepDims);
        return Scale(s, (float)s.Value.Length / x.Value.Length);
    }

    /// <summary>full[o, m, i] = part[m].</summary>
    private static void BroadcastFill(ReadOnlySpan<float> part, BlockLayout layout, Span<float> full)
    {
        int mid = layout.Mid, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            if (inner == 1)
            {
                part[..mid].CopyTo(full.Slice(o * mid, mid));
                continue;
            }

            for (int m = 0; m < mid; m++)
            {
                full.Slice(((o * mid) + m) * inner, inner).Fill(part[m]);
            }
        }
    }

    /// <summary>Per-sample sum of a batch: [N, ...] → [N].</summary>
    public static Variable SumPerSample(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var axes = new int[x.Shape.Length - 1];
        for (int i = 0; i < axes.Length; i++)
        {
            axes[i] = i + 1;
        }

        return Sum(x, axes);
    }

    internal static float SumAll(Tensor t) => TensorPrimitives.Sum(t.Span);
}
