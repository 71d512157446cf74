using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>Glow's split of [N, C, H, W] by channels: the first ⌊C/2⌋ channels are kept, the rest transformed.</summary>
public sealed class ChannelHalves : CouplingSplit
{
    /// <summary>The split of <paramref name="channels"/> channels (at least 2).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is less than 2.</exception>
    public ChannelHalves(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 2);
        Channels = channels;
    }

    /// <summary>Channels C of the input.</summary>
    public int Channels { get; }

    /// <summary>⌊C/2⌋, the kept channels.</summary>
    public int KeptChannels => Channels / 2;

    /// <summary>C − ⌊C/2⌋, the transformed channels.</summary>
    public int TransformedChannels => Channels - KeptChannels;

    /// <summary>True: the kept and transformed channels are disjoint.</summary>
    public override bool IsPartition => true;

    /// <summary>The first ⌊C/2⌋ channels, [N, ⌊C/2⌋, H, W].</summary>
    public override Variable Kept(Variable x) => Ops.Slice(x, 1, 0, KeptChannels);

    /// <summary>The remaining C − ⌊C/2⌋ channels.</summary>
    public override Variable Transformed(Variable x) => Ops.Slice(x, 1, KeptChannels, TransformedChannels);

    /// <summary>The kept channels followed by <paramref name="y"/> along axis 1.</summary>
    public override Variable Join(Variable x, Variable kept, Variable y) => Ops.Concat(1, kept, y);

    /// <inheritdoc/>
    public override Variable SumTransformed(Variable logScale) => Ops.SumPerSample(logScale);

    /// <inheritdoc/>
    public override void WriteTransformed(Tensor x, Tensor transformed)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(transformed);
        int n = x.Shape[0], plane = x.Shape[2] * x.Shape[3];
        int rest = TransformedChannels * plane;
        for (int s = 0; s < n; s++)
        {
            transformed.Span.Slice(s * rest, rest).CopyTo(x.Span.Slice((s * Channels * plane) + (KeptChannels * plane), rest));
        }
    }

    /// <inheritdoc/>
    public override void Check(Variable x, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(x, parameterName);
        if (x.Shape.Length != 4 || x.Shape[1] != Channels)
        {
            throw new ArgumentException($"Coupling over {Channels} channels needs [N, {Channels}, H, W], got {Tensor.FormatShape(x.Shape)}.", parameterName);
        }
    }
}
