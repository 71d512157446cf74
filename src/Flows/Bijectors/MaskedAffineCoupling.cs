using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>The two binary masks of RealNVP's image couplings (Dinh et al. 2017, section 3.4, figure 3).</summary>
public enum CouplingMask
{
    /// <summary>b[h, w] = 1 where (h + w) is even (parity 0) or odd (parity 1), in every channel.</summary>
    Checkerboard,

    /// <summary>b[c] = 1 for the first half of the channels (parity 0) or the second half (parity 1).</summary>
    ChannelWise,
}

/// <summary>
/// RealNVP's affine coupling on images [N, C, H, W] with a binary mask b (Dinh et al. 2017, eq. 9):
/// the masked part b ⊙ x conditions the rest through a ResNet (<see cref="ResNet"/>, batch- and/or
/// weight-normalised, output convolution starting at zero so a fresh coupling is the identity) giving
/// (raw, t); the log-scale is s = c ⊙ tanh(raw) with c learned per channel (starting at 1).
/// Forward z = b ⊙ x + (1 − b) ⊙ (x ⊙ exp(s) + t); inverse x = b ⊙ z + (1 − b) ⊙ (z − t) ⊙ exp(−s);
/// logDet = Σ (1 − b) ⊙ s. Children: "net"; parameter "scale" [1, C, 1, 1].
/// </summary>
public sealed class MaskedAffineCoupling : Bijector
{
    private readonly int[] _eventShape;
    private readonly Variable _kept;
    private readonly Variable _transformed;

    /// <param name="eventShape">(C, H, W) of the input.</param>
    /// <param name="mask">Checkerboard or channel-wise.</param>
    /// <param name="parity">0 or 1: which half of the mask is kept; consecutive couplings alternate it.</param>
    /// <param name="hiddenChannels">Width of the ResNet conditioner.</param>
    /// <param name="residualBlocks">Number of residual blocks in the conditioner.</param>
    /// <param name="rng">Initialisation randomness.</param>
    /// <param name="normalization">How the conditioner is normalised (RealNVP's code uses batch and weight normalisation).</param>
    public MaskedAffineCoupling(int[] eventShape, CouplingMask mask, int parity, int hiddenChannels, int residualBlocks, Rng rng, ResNetNormalization normalization = ResNetNormalization.Weight)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        if (eventShape.Length != 3)
        {
            throw new ArgumentException($"{nameof(MaskedAffineCoupling)} needs events (C, H, W), got {Tensor.FormatShape(eventShape)}.", nameof(eventShape));
        }

        if (parity is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(parity), parity, "Parity is 0 or 1.");
        }

        if (mask == CouplingMask.ChannelWise && eventShape[0] % 2 != 0)
        {
            throw new ArgumentException($"A channel-wise mask needs an even channel count, got {eventShape[0]}.", nameof(eventShape));
        }

        _eventShape = (int[])eventShape.Clone();
        Mask = mask;
        Parity = parity;
        var b = BuildMask(_eventShape, mask, parity);
        var oneMinusB = Tensor.Zeros(b.Shape);
        for (int i = 0; i < b.Length; i++)
        {
            oneMinusB.Span[i] = 1f - b.Span[i];
        }

        _kept = Variable.Constant(b);
        _transformed = Variable.Constant(oneMinusB);
        int c = eventShape[0];
        Net = AddModule("net", new ResNet(c, 2 * c, hiddenChannels, residualBlocks, rng, normalization, zeroInitOutput: true));
        Scale = AddParameter("scale", Tensor.Full(1f, 1, c, 1, 1));
    }

    public CouplingMask Mask { get; }

    public int Parity { get; }

    public ResNet Net { get; }

    /// <summary>c of s = c ⊙ tanh(raw), one per channel, shape [1, C, 1, 1].</summary>
    public Variable Scale { get; }

    /// <summary>The mask b (1 = kept), [1, 1, H, W] (checkerboard) or [1, C, 1, 1] (channel-wise).</summary>
    public Tensor KeptMask => _kept.Value;

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        CheckShape(x);
        var (logScale, shift) = Condition(x);

        // z = x + (1 − b) ⊙ (x ⊙ (exp(s) − 1) + t): the kept part is x + 0, bit for bit, whatever exp(0) rounds to.
        var update = Ops.Add(Ops.Mul(x, Ops.AddScalar(Ops.Exp(logScale), -1f)), shift);
        var z = Ops.Add(x, Ops.Mul(update, _transformed));
        return (z, Ops.SumPerSample(Ops.Mul(logScale, _transformed)));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        CheckShape(z);
        var (logScale, shift) = Condition(z);

        // x = z + (1 − b) ⊙ ((z − t) ⊙ exp(−s) − z).
        var update = Ops.Sub(Ops.Mul(Ops.Sub(z, shift), Ops.Exp(Ops.Neg(logScale))), z);
        var x = Ops.Add(z, Ops.Mul(update, _transformed));
        return (x, Ops.Neg(Ops.SumPerSample(Ops.Mul(logScale, _transformed))));
    }

    /// <summary>s = c ⊙ tanh(raw) and t from the conditioner, over all positions (the callers mask them).</summary>
    private (Variable LogScale, Variable Shift) Condition(Variable input)
    {
        int c = _eventShape[0];
        var h = Net.Forward(Ops.Mul(input, _kept));
        var raw = Ops.Slice(h, 1, 0, c);
        var shift = Ops.Slice(h, 1, c, c);
        return (Ops.Mul(Ops.Tanh(raw), Scale), shift);
    }

    private static Tensor BuildMask(int[] eventShape, CouplingMask mask, int parity)
    {
        int c = eventShape[0], height = eventShape[1], width = eventShape[2];
        if (mask == CouplingMask.Checkerboard)
        {
            var b = Tensor.Zeros(1, 1, height, width);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    b.Span[(y * width) + x] = (y + x) % 2 == parity ? 1f : 0f;
                }
            }

            return b;
        }

        var channels = Tensor.Zeros(1, c, 1, 1);
        for (int k = 0; k < c; k++)
        {
            channels.Span[k] = (k < c / 2) == (parity == 0) ? 1f : 0f;
        }

        return channels;
    }

    private void CheckShape(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 4 || !Tensor.SameShape(x.Shape.AsSpan(1), _eventShape))
        {
            throw new ArgumentException($"{nameof(MaskedAffineCoupling)} over events {Tensor.FormatShape(_eventShape)} got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
