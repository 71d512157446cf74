using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>The same elements in another shape (copied). One extent may be −1 (inferred).</summary>
    public static Variable Reshape(Variable x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        int[] resolved = ResolveShape(x, shape);
        var y = x.Value.Reshape(resolved);
        int[] inShape = x.Shape;
        return Variable.FromOp(y, [x], g => x.AccumulateGradOwned(g.Reshape(inShape)));
    }

    /// <summary>y = x with axes reordered: y.Shape[i] = x.Shape[axes[i]].</summary>
    public static Variable Permute(Variable x, params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        int rank = x.Shape.Length;
        if (axes.Length != rank)
        {
            throw new ArgumentException($"Permute of {Tensor.FormatShape(x.Shape)} needs {rank} axes, got {axes.Length}.", nameof(axes));
        }

        var inverse = new int[rank];
        var seen = new bool[rank];
        for (int i = 0; i < rank; i++)
        {
            if ((uint)axes[i] >= (uint)rank || seen[axes[i]])
            {
                throw new ArgumentException($"[{string.Join(", ", axes)}] is not a permutation of {rank} axes.", nameof(axes));
            }

            seen[axes[i]] = true;
            inverse[axes[i]] = i;
        }

        var y = PermuteTensor(x.Value, axes);
        return Variable.FromOp(y, [x], g => x.AccumulateGradOwned(PermuteTensor(g, inverse)));
    }

    /// <summary>
    /// Elements start, start+step, … (count of them) along <paramref name="axis"/>. Channel halves are
    /// (axis 1, 0, C/2, 1) and (1, C/2, C/2, 1); even/odd channels are (1, 0, C/2, 2) and (1, 1, C/2, 2).
    /// </summary>
    public static Variable Slice(Variable x, int axis, int start, int count, int step = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rank = x.Shape.Length;
        axis = axis < 0 ? axis + rank : axis;
        if ((uint)axis >= (uint)rank || start < 0 || count < 0 || step < 1 || (count > 0 && start + ((count - 1) * step) >= x.Shape[axis]))
        {
            throw new ArgumentException($"Slice(axis {axis}, start {start}, count {count}, step {step}) is outside {Tensor.FormatShape(x.Shape)}.");
        }

        var shape = (int[])x.Shape.Clone();
        shape[axis] = count;
        var (outer, extent, inner) = AxisLayout(x.Shape, axis);
        var y = Tensor.Uninitialized(shape);
        CopyStrided(x.Value.Span, y.Span, outer, extent, inner, start, count, step, gather: true);
        int[] inShape = x.Shape;
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Zeros(inShape);
            CopyStrided(gx.Span, g.Span, outer, extent, inner, start, count, step, gather: false);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other extents must agree.</summary>
    public static Variable Concat(int axis, params Variable[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        }

        int rank = parts[0].Shape.Length;
        axis = CheckAxis(axis, parts[0].Shape, nameof(Concat));
        var shape = (int[])parts[0].Shape.Clone();
        shape[axis] = 0;
        foreach (var p in parts)
        {
            for (int i = 0; i < rank; i++)
            {
                if (p.Shape.Length != rank || (i != axis && p.Shape[i] != parts[0].Shape[i]))
                {
                    throw new ArgumentException($"Concat along axis {axis}: {Tensor.FormatShape(p.Shape)} does not match {Tensor.FormatShape(parts[0].Shape)}.", nameof(parts));
                }
            }

            shape[axis] += p.Shape[axis];
        }

        var y = Tensor.Uninitialized(shape);
        var (outer, extent, inner) = AxisLayout(shape, axis);
        int offset = 0;
        foreach (var p in parts)
        {
            CopyStrided(y.Span, p.Value.Span, outer, extent, inner, offset, p.Shape[axis], 1, gather: false);
            offset += p.Shape[axis];
        }

        return Variable.FromOp(y, parts, g =>
        {
            int at = 0;
            foreach (var p in parts)
            {
                if (p.RequiresGrad)
                {
                    var gp = Tensor.Uninitialized(p.Shape);
                    CopyStrided(g.Span, gp.Span, outer, extent, inner, at, p.Shape[axis], 1, gather: true);
                    p.AccumulateGradOwned(gp);
                }

                at += p.Shape[axis];
            }
        });
    }

    /// <summary>y[…, 2i, …] = a[…, i, …], y[…, 2i+1, …] = b[…, i, …] along <paramref name="axis"/>.</summary>
    public static Variable Interleave(Variable a, Variable b, int axis = 1)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!Tensor.SameShape(a.Shape, b.Shape))
        {
            throw new ArgumentException($"Interleave needs equal shapes, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}.");
        }

        axis = CheckAxis(axis, a.Shape, nameof(Interleave));
        var shape = (int[])a.Shape.Clone();
        shape[axis] *= 2;
        var y = Tensor.Uninitialized(shape);
        var (outer, extent, inner) = AxisLayout(shape, axis);
        int half = a.Shape[axis];
        CopyStrided(y.Span, a.Value.Span, outer, extent, inner, 0, half, 2, gather: false);
        CopyStrided(y.Span, b.Value.Span, outer, extent, inner, 1, half, 2, gather: false);
        return Variable.FromOp(y, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                var ga = Tensor.Uninitialized(a.Shape);
                CopyStrided(g.Span, ga.Span, outer, extent, inner, 0, half, 2, gather: true);
                a.AccumulateGradOwned(ga);
            }

            if (b.RequiresGrad)
            {
                var gb = Tensor.Uninitialized(b.Shape);
                CopyStrided(g.Span, gb.Span, outer, extent, inner, 1, half, 2, gather: true);
                b.AccumulateGradOwned(gb);
            }
        });
    }

    internal static Tensor PermuteTensor(Tensor x, int[] axes)
    {
        int rank = x.Rank;
        var outShape = new int[rank];
        var inStrides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            inStrides[i] = stride;
            stride *= x.Shape[i];
        }

        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            outShape[i] = x.Shape[axes[i]];
            strides[i] = inStrides[axes[i]];
        }

        var y = Tensor.Uninitialized(outShape);
        var src = x.Span;
        var dst = y.Span;
        if (dst.Length == 0)
        {
            return y;
        }

        var index = new int[rank];
        int last = rank - 1;
        int innerExtent = rank == 0 ? 1 : outShape[last];
        int innerStride = rank == 0 ? 1 : strides[last];
        int offset = 0;
        for (int o = 0; o < dst.Length; o += innerExtent)
        {
            for (int i = 0; i < innerExtent; i++)
            {
                dst[o + i] = src[offset + (i * innerStride)];
            }

            // Advance the multi-index over all but the last axis.
            for (int ax = last - 1; ax >= 0; ax--)
            {
                index[ax]++;
                offset += strides[ax];
                if (index[ax] < outShape[ax])
                {
                    break;
                }

                offset -= strides[ax] * outShape[ax];
                index[ax] = 0;
            }
        }

        return y;
    }

    private static int CheckAxis(int axis, int[] shape, string op)
    {
        int resolved = axis < 0 ? axis + shape.Length : axis;
        if ((uint)resolved >= (uint)shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op}: axis {axis} is out of range for shape {Tensor.FormatShape(shape)}.");
        }

        return resolved;
    }

    private static (int Outer, int Extent, int Inner) AxisLayout(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (int i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[axis], inner);
    }

    /// <summary>
    /// Moves rows between a "wide" tensor [outer, extent, inner] and a "narrow" one [outer, count, inner]
    /// at positions start + j·step of the wide one: gather copies wide → narrow, otherwise narrow → wide.
    /// </summary>
    private static void CopyStrided(Span<float> wide, Span<float> narrow, int outer, int extent, int inner, int start, int count, int step, bool gather)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                var w = wide.Slice(((o * extent) + start + (j * step)) * inner, inner);
                var n = narrow.Slice(((o * count) + j) * inner, inner);
                if (gather)
                {
                    w.CopyTo(n);
                }
                else
                {
                    n.CopyTo(w);
                }
            }
        }
    }

    private static int[] ResolveShape(Variable x, int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int unknown = Array.IndexOf(resolved, -1);
        if (unknown >= 0)
        {
            int known = 1;
            for (int i = 0; i < resolved.Length; i++)
            {
                if (i != unknown)
                {
                    known *= resolved[i];
                }
            }

            if (known == 0 || x.Value.Length % known != 0)
            {
                throw new ArgumentException($"Cannot reshape {Tensor.FormatShape(x.Shape)} to {Tensor.FormatShape(shape)}.", nameof(shape));
            }

            resolved[unknown] = x.Value.Length / known;
        }

        return resolved;
    }
}
