using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// RealNVP's binary mask b on images [N, C, H, W] (Dinh et al. 2017, §3.4, figure 3): the network sees b ⊙ x,
/// the transform's change g(x) − x is applied where b = 0, so z = x + (1 − b) ⊙ (g(x) − x) (the kept positions are
/// x + 0, bit for bit), and the log-det sums the log-scales where b = 0.
/// </summary>
public sealed class BinaryMask : CouplingSplit
{
    private readonly int[] _eventShape;
    private readonly Variable _kept;
    private readonly Variable _transformed;

    /// <param name="eventShape">(C, H, W) of the input.</param>
    /// <param name="mask">Checkerboard or channel-wise.</param>
    /// <param name="parity">0 or 1: which half of the mask is kept; consecutive couplings alternate it.</param>
    public BinaryMask(int[] eventShape, CouplingMask mask, int parity)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        if (eventShape.Length != 3)
        {
            throw new ArgumentException($"A binary mask needs events (C, H, W), got {Tensor.FormatShape(eventShape)}.", nameof(eventShape));
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
        var b = Build(_eventShape, mask, parity);
        var oneMinusB = Tensor.Zeros(b.Shape);
        for (int i = 0; i < b.Length; i++)
        {
            oneMinusB.Span[i] = 1f - b.Span[i];
        }

        _kept = Variable.Constant(b);
        _transformed = Variable.Constant(oneMinusB);
    }

    /// <summary>Checkerboard or channel-wise.</summary>
    public CouplingMask Mask { get; }

    /// <summary>0 or 1: which half of the mask is kept.</summary>
    public int Parity { get; }

    /// <summary>(C, H, W) of the input.</summary>
    public IReadOnlyList<int> EventShape => _eventShape;

    /// <summary>The mask b (1 = kept), [1, 1, H, W] (checkerboard) or [1, C, 1, 1] (channel-wise).</summary>
    public Tensor KeptMask => _kept.Value;

    /// <summary>False: a mask keeps the input's shape.</summary>
    public override bool IsPartition => false;

    /// <summary>b ⊙ x: the input with the transformed positions zeroed.</summary>
    public override Variable Kept(Variable x) => Ops.Mul(x, _kept);

    /// <summary>The whole input <paramref name="x"/>; the mask is applied in <see cref="Join"/>.</summary>
    public override Variable Transformed(Variable x) => x;

    /// <summary>x + (1 − b) ⊙ change: the kept positions are x + 0, bit for bit.</summary>
    public override Variable Join(Variable x, Variable kept, Variable y) => Ops.Add(x, Ops.Mul(y, _transformed));

    /// <summary>Σ (1 − b) ⊙ logScale per sample, [N].</summary>
    public override Variable SumTransformed(Variable logScale) => Ops.SumPerSample(Ops.Mul(logScale, _transformed));

    /// <inheritdoc/>
    public override void Check(Variable x, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(x, parameterName);
        if (x.Shape.Length != 4 || !Tensor.SameShape(x.Shape.AsSpan(1), _eventShape))
        {
            throw new ArgumentException($"A coupling masked over events {Tensor.FormatShape(_eventShape)} got {Tensor.FormatShape(x.Shape)}.", parameterName);
        }
    }

    private static Tensor Build(int[] eventShape, CouplingMask mask, int parity)
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
}
