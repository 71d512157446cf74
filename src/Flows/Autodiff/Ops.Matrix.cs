using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>W⁻¹ of a square matrix; backward dW = −W⁻ᵀ·g·W⁻ᵀ.</summary>
    public static Variable Inverse(Variable w)
    {
        int n = SquareSize(w, nameof(Inverse));
        var inv = Tensor.Uninitialized(n, n);
        SmallMatrix.Invert(w.Value.Span, n, inv.Span);
        return Variable.FromOp(inv, [w], g =>
        {
            var t = Tensor.Uninitialized(n, n);
            var gw = Tensor.Uninitialized(n, n);
            Gemm.Multiply(true, false, n, n, n, inv.Span, n, g.Span, n, t.Span, n, accumulate: false);
            Gemm.Multiply(false, true, n, n, n, t.Span, n, inv.Span, n, gw.Span, n, accumulate: false);
            System.Numerics.Tensors.TensorPrimitives.Negate(gw.Span, gw.Span);
            t.Release();
            w.AccumulateGradOwned(gw);
        });
    }

    /// <summary>ln |det W| as a rank-0 tensor (computed in double); backward dW = g·W⁻ᵀ.</summary>
    public static Variable LogAbsDet(Variable w)
    {
        int n = SquareSize(w, nameof(LogAbsDet));
        var y = Tensor.Full((float)SmallMatrix.LogAbsDet(w.Value.Span, n));
        return Variable.FromOp(y, [w], g =>
        {
            var inv = Tensor.Uninitialized(n, n);
            SmallMatrix.Invert(w.Value.Span, n, inv.Span);
            var gw = Ops.PermuteTensor(inv, [1, 0]);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gw.Span, g.Span[0], gw.Span);
            inv.Release();
            w.AccumulateGradOwned(gw);
        });
    }

    /// <summary>The n×n matrix with <paramref name="v"/> on its diagonal; backward takes the diagonal of g.</summary>
    public static Variable Diag(Variable v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Shape.Length != 1)
        {
            throw new ArgumentException($"Diag needs a vector, got {Tensor.FormatShape(v.Shape)}.", nameof(v));
        }

        int n = v.Shape[0];
        var y = Tensor.Zeros(n, n);
        for (int i = 0; i < n; i++)
        {
            y.Span[(i * n) + i] = v.Value.Span[i];
        }

        return Variable.FromOp(y, [v], g =>
        {
            var gv = Tensor.Uninitialized(n);
            for (int i = 0; i < n; i++)
            {
                gv.Span[i] = g.Span[(i * n) + i];
            }

            v.AccumulateGradOwned(gv);
        });
    }

    private static int SquareSize(Variable w, string op)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (w.Shape.Length != 2 || w.Shape[0] != w.Shape[1])
        {
            throw new ArgumentException($"{op} needs a square matrix, got {Tensor.FormatShape(w.Shape)}.", nameof(w));
        }

        return w.Shape[0];
    }
}
