using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// A fixed permutation along axis 1 of [N, C, …]: the channels of images [N, C, H, W] or the features of vectors
/// [N, D] (the baselines of Glow §3.2 / RealNVP):
/// forward z[:, i] = x[:, perm[i]], inverse x[:, perm[i]] = z[:, i], log-det 0.
/// <see cref="Reverse"/> reverses the channel order; <see cref="Shuffle"/> draws a random permutation.
/// Buffer: indices [C] (the permutation, saved with the model; a loaded one is the one used, and one that is not a
/// permutation is refused).
/// </summary>
public sealed class ChannelPermutation : Bijector
{
    private readonly Tensor _indices;

    /// <summary>The permutation perm of C = <c>permutation.Count</c> channels.</summary>
    /// <exception cref="ArgumentException"><paramref name="permutation"/> is not a permutation of [0, C).</exception>
    public ChannelPermutation(IReadOnlyList<int> permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        int c = permutation.Count;
        var seen = new bool[c];
        _indices = AddBuffer("indices", Tensor.Zeros(c));
        for (int i = 0; i < c; i++)
        {
            int p = permutation[i];
            if ((uint)p >= (uint)c || seen[p])
            {
                throw new ArgumentException($"[{string.Join(", ", permutation)}] is not a permutation of {c} channels.", nameof(permutation));
            }

            seen[p] = true;
            _indices.Span[i] = p;
        }

        Channels = c;
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>perm[i] = C − 1 − i.</summary>
    public static ChannelPermutation Reverse(int channels)
    {
        var p = new int[channels];
        for (int i = 0; i < channels; i++)
        {
            p[i] = channels - 1 - i;
        }

        return new ChannelPermutation(p);
    }

    /// <summary>A uniformly random permutation drawn from <paramref name="rng"/>.</summary>
    public static ChannelPermutation Shuffle(int channels, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return new ChannelPermutation(rng.Permutation(channels));
    }

    /// <summary>The permutation (read from the buffer, so a loaded checkpoint's order is used).</summary>
    public int[] Permutation()
    {
        var p = new int[Channels];
        var seen = new bool[Channels];
        for (int i = 0; i < Channels; i++)
        {
            float v = _indices.Span[i];
            if (!(v >= 0 && v < Channels && v == MathF.Floor(v)) || seen[(int)v])
            {
                // A loaded buffer that is not a permutation would scramble or lose features.
                throw new InvalidOperationException($"The buffer 'indices' [{string.Join(", ", _indices.Span.ToArray())}] is not a permutation of {Channels} channels.");
            }

            seen[(int)v] = true;
            p[i] = (int)v;
        }

        return p;
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x) => (Gather(x, Permutation()), Zeros(x));

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var p = Permutation();
        var inverse = new int[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            inverse[p[i]] = i;
        }

        return (Gather(z, inverse), Zeros(z));
    }

    private static Variable Zeros(Variable x) => Variable.Constant(Tensor.Zeros(x.Shape[0]));

    /// <summary>y[:, i] = x[:, source[i]]; backward scatters the gradient back.</summary>
    private Variable Gather(Variable x, int[] source)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length < 2 || x.Shape[1] != Channels)
        {
            throw new ArgumentException($"ChannelPermutation({Channels}) needs [N, {Channels}, …], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int n = x.Shape[0], c = Channels, inner = x.Value.Length / (n * c);
        var y = Tensor.Uninitialized(x.Shape);
        Move(x.Value.Span, y.Span, source, n, c, inner, gather: true);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            Move(gx.Span, g.Span, source, n, c, inner, gather: false);
            x.AccumulateGradOwned(gx);
        });
    }

    private static void Move(Span<float> a, Span<float> b, int[] source, int n, int c, int inner, bool gather)
    {
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < c; i++)
            {
                var from = a.Slice(((s * c) + source[i]) * inner, inner);
                var to = b.Slice(((s * c) + i) * inner, inner);
                if (gather)
                {
                    from.CopyTo(to);
                }
                else
                {
                    to.CopyTo(from);
                }
            }
        }
    }
}
