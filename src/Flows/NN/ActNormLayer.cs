using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// Activation normalisation as a plain layer (Glow, Kingma and Dhariwal 2018, §3.1): y = (x + loc)·exp(logs)
/// per channel of [N, C, …]. On the first call in training mode loc and logs are initialised from the batch
/// so that y has zero mean and unit variance per channel: loc = −mean, logs = ln(1/(std + 1e-6)) over the
/// batch and spatial axes. The "initialized" buffer (0 or 1) is saved with the model, so a loaded
/// checkpoint is not re-initialised. Parameters: loc [C], logs [C].
/// </summary>
public sealed class ActNormLayer : Module
{
    private readonly Tensor _initialized;

    /// <summary>An ActNorm over <paramref name="channels"/> channels, loc and logs at zero until the data-dependent initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is less than 1.</exception>
    public ActNormLayer(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        Loc = AddParameter("loc", Tensor.Zeros(channels));
        LogScale = AddParameter("logs", Tensor.Zeros(channels));
        _initialized = AddBuffer("initialized", Tensor.Zeros(1));
    }

    /// <summary>Number of channels C (axis 1 of the input).</summary>
    public int Channels { get; }

    /// <summary>The per-channel shift "loc" [C], added before scaling.</summary>
    public Variable Loc { get; }

    /// <summary>The per-channel log-scale "logs" [C]; the output is multiplied by exp(logs).</summary>
    public Variable LogScale { get; }

    /// <summary>Whether the data-dependent initialisation has happened (or parameters were loaded).</summary>
    public bool IsInitialized
    {
        get => _initialized.Span[0] != 0f;
        set => _initialized.Span[0] = value ? 1f : 0f;
    }

    /// <summary>y = (x + loc)·exp(logs) for x [N, C, …], initialising loc and logs from this batch on the first training call.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not have <see cref="Channels"/> on axis 1.</exception>
    public Variable Forward(Variable x) => Forward(x, relu: false);

    /// <summary>The layer followed by a ReLU when <paramref name="relu"/>, fused into one pass (Glow's coupling networks).</summary>
    public Variable Forward(Variable x, bool relu)
    {
        InitializeIfNeeded(x, Loc, LogScale, _initialized, Training);
        CheckInput(x, Channels);
        return Ops.ChannelAffine(x, Loc, LogScale, relu);
    }

    /// <summary>(x + loc)·exp(logs) with loc, logs [C] broadcast over every axis but 1.</summary>
    internal static Variable Affine(Variable x, Variable loc, Variable logScale)
    {
        CheckInput(x, loc.Shape[0]);
        return Ops.ChannelAffine(x, loc, logScale);
    }

    /// <summary>z·exp(−logs) − loc, the inverse of <see cref="Affine"/>.</summary>
    internal static Variable InverseAffine(Variable z, Variable loc, Variable logScale)
    {
        CheckInput(z, loc.Shape[0]);
        return Ops.ChannelAffineInverse(z, loc, logScale);
    }

    /// <summary>
    /// The data-dependent initialisation, once, in training mode: loc = −mean, logs = ln(1/(std + 1e-6)),
    /// statistics in double over every axis but the channel axis (population std).
    /// </summary>
    internal static void InitializeIfNeeded(Variable x, Variable loc, Variable logScale, Tensor initialized, bool training)
    {
        if (!training || initialized.Span[0] != 0f)
        {
            return;
        }

        int channels = loc.Shape[0];
        CheckInput(x, channels);
        int n = x.Shape[0];
        int inner = x.Value.Length / (n * channels);
        var xs = x.Value.Span;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int s = 0; s < n; s++)
            {
                foreach (float v in xs.Slice(((s * channels) + c) * inner, inner))
                {
                    sum += v;
                }
            }

            double count = (double)n * inner;
            double mean = sum / count;
            double sq = 0;
            for (int s = 0; s < n; s++)
            {
                foreach (float v in xs.Slice(((s * channels) + c) * inner, inner))
                {
                    sq += (v - mean) * (v - mean);
                }
            }

            double std = Math.Sqrt(sq / count);
            loc.Value.Span[c] = (float)-mean;
            logScale.Value.Span[c] = (float)Math.Log(1.0 / (std + 1e-6));
        }

        initialized.Span[0] = 1f;
    }

    private static void CheckInput(Variable x, int channels)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length < 2 || x.Shape[1] != channels)
        {
            throw new ArgumentException($"ActNorm({channels}) needs x [N, {channels}, …], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
