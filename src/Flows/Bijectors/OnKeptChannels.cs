using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Applies an inner bijector to the first <see cref="Channels"/> channels of [N, C, …] and passes the others
/// through unchanged (log-det: the inner one's): after a <see cref="FactorOut"/>, the next level of a multi-scale
/// flow acts on the kept channels only. The inner bijector must give back its input's shape (end a level that
/// squeezes with the inverse squeeze, e.g. <c>new InverseBijector(new Squeeze())</c>). Child: "inner".
/// </summary>
public sealed class OnKeptChannels : Bijector
{
    /// <summary><paramref name="inner"/> on channels [0, <paramref name="channels"/>).</summary>
    public OnKeptChannels(int channels, Bijector inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentNullException.ThrowIfNull(inner);
        Channels = channels;
        Inner = AddModule("inner", inner);
    }

    /// <summary>How many leading channels the inner bijector sees.</summary>
    public int Channels { get; }

    /// <summary>The bijector of the kept channels.</summary>
    public Bijector Inner { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x) => Apply(x, inverse: false);

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z) => Apply(z, inverse: true);

    private (Variable Y, Variable LogDet) Apply(Variable x, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length < 2 || x.Shape[1] <= Channels)
        {
            throw new ArgumentException($"OnKeptChannels({Channels}) needs more than {Channels} channels on axis 1, got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        var kept = Ops.Slice(x, 1, 0, Channels);
        var rest = Ops.Slice(x, 1, Channels, x.Shape[1] - Channels);
        var (y, logDet) = inverse ? Inner.Inverse(kept) : Inner.Forward(kept);
        if (!Tensor.SameShape(y.Shape, kept.Shape))
        {
            throw new InvalidOperationException($"OnKeptChannels: the inner bijector turned {Tensor.FormatShape(kept.Shape)} into {Tensor.FormatShape(y.Shape)}; it must keep the shape (end a squeezing level with the inverse squeeze).");
        }

        return (Ops.Concat(1, y, rest), logDet);
    }
}
