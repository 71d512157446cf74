using System.Numerics.Tensors;
using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

/// <summary>
/// The differentiable primitives. Each computes its forward through kernels and registers its
/// backward right beside it. Binary operations broadcast numpy-style, as long as one operand has the
/// full shape and the other varies along one contiguous block of axes (see <see cref="BlockLayout"/>).
/// </summary>
public static partial class Ops
{
    private enum BinaryKind
    {
        Add,
        Sub,
        Mul,
        Div,
    }

    /// <summary>y = a + b, element-wise with broadcasting; one operand must have the full shape.</summary>
    /// <exception cref="ArgumentException">Neither operand has the broadcast shape, or the shapes do not broadcast.</exception>
    public static Variable Add(Variable a, Variable b) => Binary(a, b, BinaryKind.Add);

    /// <summary>y = a − b, element-wise with broadcasting; one operand must have the full shape.</summary>
    /// <exception cref="ArgumentException">Neither operand has the broadcast shape, or the shapes do not broadcast.</exception>
    public static Variable Sub(Variable a, Variable b) => Binary(a, b, BinaryKind.Sub);

    /// <summary>y = a·b, element-wise with broadcasting; one operand must have the full shape.</summary>
    /// <exception cref="ArgumentException">Neither operand has the broadcast shape, or the shapes do not broadcast.</exception>
    public static Variable Mul(Variable a, Variable b) => Binary(a, b, BinaryKind.Mul);

    /// <summary>y = a / b, element-wise with broadcasting; one operand must have the full shape.</summary>
    /// <exception cref="ArgumentException">Neither operand has the broadcast shape, or the shapes do not broadcast.</exception>
    public static Variable Div(Variable a, Variable b) => Binary(a, b, BinaryKind.Div);

    private static Variable Binary(Variable a, Variable b, BinaryKind kind)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int[] full = BroadcastShape(a.Shape, b.Shape);
        bool aFull = Tensor.SameShape(a.Shape, full);
        bool bFull = Tensor.SameShape(b.Shape, full);
        if (!aFull && !bFull)
        {
            throw new ArgumentException($"{kind}: one operand must have the full shape; got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}.");
        }

        var layoutA = aFull ? new BlockLayout(1, a.Value.Length, 1) : BlockLayout.Of(full, a.Shape);
        var layoutB = bFull ? new BlockLayout(1, b.Value.Length, 1) : BlockLayout.Of(full, b.Shape);
        var y = Tensor.Uninitialized(full);
        BinaryForward(kind, a.Value.Span, layoutA, aFull, b.Value.Span, layoutB, bFull, y.Span);

        return Variable.FromOp(y, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                // dL/da = g (Add, Sub), g·b (Mul), g / b (Div)
                var ga = Tensor.Uninitialized(full);
                switch (kind)
                {
                    case BinaryKind.Add:
                    case BinaryKind.Sub:
                        g.Span.CopyTo(ga.Span);
                        break;
                    case BinaryKind.Mul:
                        BinaryForward(BinaryKind.Mul, g.Span, FullLayout(full), true, b.Value.Span, layoutB, bFull, ga.Span);
                        break;
                    default:
                        BinaryForward(BinaryKind.Div, g.Span, FullLayout(full), true, b.Value.Span, layoutB, bFull, ga.Span);
                        break;
                }

                a.AccumulateGradOwned(ReduceTo(ga, a.Shape, layoutA, aFull));
            }

            if (b.RequiresGrad)
            {
                var gb = Tensor.Uninitialized(full);
                switch (kind)
                {
                    case BinaryKind.Add:
                        g.Span.CopyTo(gb.Span);
                        break;
                    case BinaryKind.Sub:
                        TensorPrimitives.Negate(g.Span, gb.Span);
                        break;
                    case BinaryKind.Mul:
                        BinaryForward(BinaryKind.Mul, g.Span, FullLayout(full), true, a.Value.Span, layoutA, aFull, gb.Span);
                        break;
                    default:
                        // dL/db = −g·y / b
                        BinaryForward(BinaryKind.Mul, g.Span, FullLayout(full), true, y.Span, FullLayout(full), true, gb.Span);
                        BinaryForward(BinaryKind.Div, gb.Span, FullLayout(full), true, b.Value.Span, layoutB, bFull, gb.Span);
                        TensorPrimitives.Negate(gb.Span, gb.Span);
                        break;
                }

                b.AccumulateGradOwned(ReduceTo(gb, b.Shape, layoutB, bFull));
            }
        });
    }

    /// <summary>The numpy broadcast shape of two shapes.</summary>
    public static int[] BroadcastShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} do not broadcast.");
            }

            shape[i] = da == 1 ? db : da;
        }

        return shape;
    }

    private static BlockLayout FullLayout(int[] full) => new(1, Tensor.CheckedLength(full), 1);

    private static Tensor ReduceTo(Tensor g, int[] shape, BlockLayout layout, bool isFull)
    {
        if (isFull)
        {
            return g;
        }

        var r = Tensor.Uninitialized(shape);
        layout.SumToMid(g.Span, r.Span);
        g.Release();
        return r;
    }

    private static void BinaryForward(BinaryKind kind, ReadOnlySpan<float> a, BlockLayout la, bool aFull, ReadOnlySpan<float> b, BlockLayout lb, bool bFull, Span<float> y)
    {
        if (aFull && bFull)
        {
            Apply(kind, a, b, y);
            return;
        }

        if (aFull)
        {
            ApplyBroadcast(kind, a, b, lb, y, broadcastIsRight: true);
        }
        else
        {
            ApplyBroadcast(kind, b, a, la, y, broadcastIsRight: false);
        }
    }

    private static void Apply(BinaryKind kind, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (kind)
        {
            case BinaryKind.Add:
                TensorPrimitives.Add(a, b, y);
                break;
            case BinaryKind.Sub:
                TensorPrimitives.Subtract(a, b, y);
                break;
            case BinaryKind.Mul:
                TensorPrimitives.Multiply(a, b, y);
                break;
            default:
                TensorPrimitives.Divide(a, b, y);
                break;
        }
    }

    private static void Apply(BinaryKind kind, ReadOnlySpan<float> full, float s, Span<float> y, bool broadcastIsRight)
    {
        switch (kind)
        {
            case BinaryKind.Add:
                TensorPrimitives.Add(full, s, y);
                break;
            case BinaryKind.Sub when broadcastIsRight:
                TensorPrimitives.Subtract(full, s, y);
                break;
            case BinaryKind.Sub:
                TensorPrimitives.Subtract(s, full, y);
                break;
            case BinaryKind.Mul:
                TensorPrimitives.Multiply(full, s, y);
                break;
            case BinaryKind.Div when broadcastIsRight:
                TensorPrimitives.Divide(full, s, y);
                break;
            default:
                TensorPrimitives.Divide(s, full, y);
                break;
        }
    }

    /// <summary>y = full ∘ part (or part ∘ full), part broadcast along layout's outer and inner axes.</summary>
    private static void ApplyBroadcast(BinaryKind kind, ReadOnlySpan<float> full, ReadOnlySpan<float> part, BlockLayout layout, Span<float> y, bool broadcastIsRight)
    {
        int mid = layout.Mid, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            int baseIndex = o * mid * inner;
            if (inner == 1)
            {
                var f = full.Slice(baseIndex, mid);
                var d = y.Slice(baseIndex, mid);
                if (broadcastIsRight)
                {
                    Apply(kind, f, part[..mid], d);
                }
                else
                {
                    Apply(kind, part[..mid], f, d);
                }

                continue;
            }

            for (int m = 0; m < mid; m++)
            {
                int start = baseIndex + (m * inner);
                Apply(kind, full.Slice(start, inner), part[m], y.Slice(start, inner), broadcastIsRight);
            }
        }
    }
}
