using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Bijectors;

/// <summary>
/// A fixed permutation of the D features of [N, D]: forward z[:, j] = x[:, π(j)]; inverse x[:, π(j)] = z[:, j];
/// logDet = 0. The order is the buffer "order" (as floats), so that a checkpoint's order is the one used.
/// </summary>
public sealed class VectorPermutation : Bijector
{
    private readonly Tensor _buffer;
    private int[] _order;
    private int[] _inverse;

    /// <summary>z[:, j] = x[:, order[j]]; <paramref name="order"/> must be a permutation of [0, D).</summary>
    public VectorPermutation(int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        _order = (int[])order.Clone();
        _inverse = InverseOf(_order) ?? throw new ArgumentException($"[{string.Join(", ", order)}] is not a permutation of [0, {order.Length}).", nameof(order));
        var buffer = Tensor.Zeros(order.Length);
        for (int j = 0; j < order.Length; j++)
        {
            buffer.Span[j] = order[j];
        }

        _buffer = AddBuffer("order", buffer);
    }

    /// <summary>The inverse permutation, or null when <paramref name="order"/> is not a permutation of [0, D).</summary>
    private static int[]? InverseOf(int[] order)
    {
        var inverse = new int[order.Length];
        var seen = new bool[order.Length];
        for (int j = 0; j < order.Length; j++)
        {
            if ((uint)order[j] >= (uint)order.Length || seen[order[j]])
            {
                return null;
            }

            seen[order[j]] = true;
            inverse[order[j]] = j;
        }

        return inverse;
    }

    /// <summary>Takes up the buffer's order when a checkpoint has replaced it.</summary>
    private void Sync()
    {
        var b = _buffer.Span;
        bool same = true;
        for (int j = 0; j < _order.Length && same; j++)
        {
            same = b[j] == _order[j];
        }

        if (same)
        {
            return;
        }

        var order = new int[_order.Length];
        for (int j = 0; j < order.Length; j++)
        {
            order[j] = b[j] >= 0 && b[j] < order.Length && b[j] == MathF.Floor(b[j]) ? (int)b[j] : -1;
        }

        _inverse = InverseOf(order) ?? throw new InvalidOperationException($"The buffer 'order' [{string.Join(", ", b.ToArray())}] is not a permutation of [0, {order.Length}).");
        _order = order;
    }

    /// <summary>Number of features D.</summary>
    public int Dimensions => _order.Length;

    /// <summary>The permutation as a copy: z[:, j] = x[:, Order[j]].</summary>
    public int[] Order
    {
        get
        {
            Sync();
            return (int[])_order.Clone();
        }
    }

    /// <summary>Reverses the features (RealNVP and Glow's "reverse" permutation).</summary>
    public static VectorPermutation Reverse(int dimensions)
    {
        var order = new int[dimensions];
        for (int j = 0; j < dimensions; j++)
        {
            order[j] = dimensions - 1 - j;
        }

        return new VectorPermutation(order);
    }

    /// <summary>A random shuffle drawn from <paramref name="rng"/> (Glow's "shuffle" permutation).</summary>
    public static VectorPermutation Shuffle(int dimensions, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return new VectorPermutation(rng.Permutation(dimensions));
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        VectorColumns.CheckVectorInput(x, Dimensions, nameof(VectorPermutation));
        Sync();
        return (VectorColumns.Gather(x, _order), Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(VectorPermutation));
        Sync();
        return (VectorColumns.Gather(z, _inverse), Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
