using System.Globalization;
using System.Text;

namespace Flows.Tensors;

/// <summary>
/// A dense, contiguous, row-major float32 tensor: a shape and its storage. Images are NCHW,
/// vectors [N, D]. Knows nothing about gradients.
/// </summary>
public sealed class Tensor
{
    private float[]? _storage;

    private Tensor(float[] storage, int[] shape, int length)
    {
        _storage = storage;
        Shape = shape;
        Length = length;
    }

    /// <summary>The extent of each axis. Do not modify.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length { get; }

    /// <summary>Number of axes (the length of <see cref="Shape"/>).</summary>
    public int Rank => Shape.Length;

    /// <summary>True once <see cref="Release"/> has returned the storage to the pool.</summary>
    public bool IsReleased => _storage is null;

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => Storage.AsSpan(0, Length);

    /// <summary>The backing array; it may be longer than <see cref="Length"/> only if created by <see cref="Wrap"/>.</summary>
    internal float[] Storage => _storage ?? throw new ObjectDisposedException(nameof(Tensor), "This tensor's storage was released (an intermediate of a graph that was released after backward).");

    /// <summary>Extent of axis <paramref name="axis"/>; negative counts from the end.</summary>
    public int Dim(int axis) => Shape[axis < 0 ? axis + Rank : axis];

    /// <summary>A tensor of <paramref name="shape"/> filled with zeros (pooled storage).</summary>
    /// <exception cref="ArgumentException">An extent is negative or the shape has too many elements.</exception>
    public static Tensor Zeros(params int[] shape)
    {
        var t = Uninitialized(shape);
        t.Span.Clear();
        return t;
    }

    /// <summary>A tensor of <paramref name="shape"/> with every element equal to <paramref name="value"/> (pooled storage).</summary>
    /// <exception cref="ArgumentException">An extent is negative or the shape has too many elements.</exception>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Uninitialized(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A tensor whose contents are arbitrary (pooled storage); every element must be written before it is read.</summary>
    public static Tensor Uninitialized(params int[] shape)
    {
        int length = CheckedLength(shape);
        return new Tensor(TensorPool.Rent(length), (int[])shape.Clone(), length);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params int[] shape)
    {
        int length = CheckedLength(shape);
        if (data.Length != length)
        {
            throw new ArgumentException($"Data has {data.Length} elements but shape {FormatShape(shape)} needs {length}.", nameof(data));
        }

        var t = Uninitialized(shape);
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>Wraps <paramref name="data"/> without copying; the tensor is never returned to the pool.</summary>
    public static Tensor Wrap(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int length = CheckedLength(shape);
        if (data.Length < length)
        {
            throw new ArgumentException($"Array has {data.Length} elements but shape {FormatShape(shape)} needs {length}.", nameof(data));
        }

        return new Tensor(data, (int[])shape.Clone(), length) { IsWrapped = true };
    }

    private bool IsWrapped { get; init; }

    /// <summary>A copy with the same shape in new pooled storage; the caller owns it.</summary>
    public Tensor Clone() => FromArray(Span, Shape);

    /// <summary>A copy with another shape of the same number of elements.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int length = CheckedLength(shape);
        if (length != Length)
        {
            throw new ArgumentException($"Cannot reshape {FormatShape(Shape)} ({Length} elements) to {FormatShape(shape)} ({length} elements).", nameof(shape));
        }

        return FromArray(Span, shape);
    }

    /// <summary>A new array holding a copy of the elements, row-major.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Element at a full index; for tests and small tensors, not for loops over large ones.</summary>
    public float this[params int[] index]
    {
        get => Span[Offset(index)];
        set => Span[Offset(index)] = value;
    }

    /// <summary>Returns the storage to the pool; any later use of this tensor throws.</summary>
    public void Release()
    {
        var s = _storage;
        if (s is null)
        {
            return;
        }

        _storage = null;
        if (!IsWrapped)
        {
            TensorPool.Return(s);
        }
    }

    /// <summary>True when <paramref name="other"/> has exactly this tensor's shape.</summary>
    public bool SameShape(Tensor other) => SameShape(Shape, other.Shape);

    /// <summary>True when the two shapes have the same rank and extents.</summary>
    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>A shape for messages, e.g. <c>[64, 3, 32, 32]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(']').ToString();
    }

    /// <summary>The type and shape, e.g. <c>Tensor[64, 3, 32, 32]</c>.</summary>
    public override string ToString() => $"Tensor{FormatShape(Shape)}";

    internal static int CheckedLength(ReadOnlySpan<int> shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative extent in shape {FormatShape(shape)}.", nameof(shape));
            }

            length *= d;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} is too large.", nameof(shape));
            }
        }

        return (int)length;
    }

    private int Offset(int[] index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Index of rank {index.Length} for a tensor of shape {FormatShape(Shape)}.", nameof(index));
        }

        int offset = 0;
        for (int i = 0; i < Rank; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {FormatShape(index)} is outside shape {FormatShape(Shape)}.");
            }

            offset = (offset * Shape[i]) + index[i];
        }

        return offset;
    }
}
