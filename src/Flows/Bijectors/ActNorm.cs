using Flows.Autodiff;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// Activation normalisation (Glow, Kingma and Dhariwal 2018, §3.1), per channel of [N, C, …]:
/// forward z = (x + loc)·exp(logs), inverse x = z·exp(−logs) − loc,
/// log-det = S·Σ_c logs_c with S the number of positions per channel (H·W for images, 1 for vectors).
/// Data-dependent initialisation on the first forward in training mode (see <see cref="ActNormLayer"/>);
/// the "initialized" buffer keeps a loaded checkpoint from being re-initialised.
/// Parameters: loc [C], logs [C].
/// </summary>
public sealed class ActNorm : Bijector
{
    private readonly Tensor _initialized;

    public ActNorm(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        Loc = AddParameter("loc", Tensor.Zeros(channels));
        LogScale = AddParameter("logs", Tensor.Zeros(channels));
        _initialized = AddBuffer("initialized", Tensor.Zeros(1));
    }

    public int Channels { get; }

    public Variable Loc { get; }

    public Variable LogScale { get; }

    /// <summary>Whether the data-dependent initialisation has happened (or parameters were loaded).</summary>
    public bool IsInitialized
    {
        get => _initialized.Span[0] != 0f;
        set => _initialized.Span[0] = value ? 1f : 0f;
    }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        ActNormLayer.InitializeIfNeeded(x, Loc, LogScale, _initialized, Training);
        var z = ActNormLayer.Affine(x, Loc, LogScale);
        return (z, LogDet(x, 1f));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var x = ActNormLayer.InverseAffine(z, Loc, LogScale);
        return (x, LogDet(z, -1f));
    }

    private Variable LogDet(Variable x, float sign)
    {
        int n = x.Shape[0];
        int positions = x.Value.Length / (n * Channels);
        var perSample = Ops.Scale(Ops.Sum(LogScale), sign * positions);
        return Ops.Add(Variable.Constant(Tensor.Zeros(n)), perSample);
    }
}
