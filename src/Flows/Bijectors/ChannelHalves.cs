using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>Glow's split of [N, C, H, W] by channels: the first ⌊C/2⌋ channels are kept, the rest transformed.</summary>
public sealed class ChannelHalves : CouplingSplit
{
    public ChannelHalves(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 2);
        Channels = channels;
    }

    public int Channels { get; }

    /// <summary>⌊C/2⌋, the kept channels.</summary>
    public int KeptChannels => Channels / 2;

    /// <summary>C − ⌊C/2⌋, the transformed channels.</summary>
    public int TransformedChannels => Channels - KeptChannels;

    public override bool IsPartition => true;

    public override Variable Kept(Variable x) => Ops.Slice(x, 1, 0, KeptChannels);

    public override Variable Transformed(Variable x) => Ops.Slice(x, 1, KeptChannels, TransformedChannels);

    public override Variable Join(Variable x, Variable kept, Variable y) => Ops.Concat(1, kept, y);

    public override Variable SumTransformed(Variable logScale) => Ops.SumPerSample(logScale);

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

    public override void Check(Variable x, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(x, parameterName);
        if (x.Shape.Length != 4 || x.Shape[1] != Channels)
        {
            throw new ArgumentException($"Coupling over {Channels} channels needs [N, {Channels}, H, W], got {Tensor.FormatShape(x.Shape)}.", parameterName);
        }
    }
}
