using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy 2015) per feature of axis 1:
/// y = (x − μ)/√(σ² + ε)·weight + bias. In training mode μ and σ² (biased) are the batch's, gradients flow
/// through them, and the running averages move: running ← (1 − momentum)·running + momentum·batch, with the
/// unbiased variance for runningVar (as PyTorch). In evaluation mode the running averages are used, so each
/// sample's output depends on that sample only. Parameters "weight" (1), "bias" (0), both [C];
/// buffers "runningMean" (0), "runningVar" (1), both [C].
/// </summary>
public abstract class BatchNormLayer : Module
{
    private readonly int _rank;
    private readonly int[] _statShape;
    private readonly int[] _reduceAxes;

    private protected BatchNormLayer(int features, int rank, float momentum, float epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(momentum >= 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(epsilon);
        Features = features;
        Momentum = momentum;
        Epsilon = epsilon;
        _rank = rank;
        _statShape = new int[rank];
        Array.Fill(_statShape, 1);
        _statShape[1] = features;
        _reduceAxes = rank == 2 ? [0] : [0, 2, 3];
        Weight = AddParameter("weight", Tensor.Full(1f, features));
        Bias = AddParameter("bias", Tensor.Zeros(features));
        RunningMean = AddBuffer("runningMean", Tensor.Zeros(features));
        RunningVar = AddBuffer("runningVar", Tensor.Full(1f, features));
    }

    /// <summary>Number of features (channels) C on axis 1.</summary>
    public int Features { get; }

    /// <summary>Weight of the batch statistics in the running averages, in [0, 1].</summary>
    public float Momentum { get; }

    /// <summary>ε, added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The per-feature scale "weight" [C], initially 1.</summary>
    public Variable Weight { get; }

    /// <summary>The per-feature shift "bias" [C], initially 0.</summary>
    public Variable Bias { get; }

    /// <summary>The running mean "runningMean" [C] used in evaluation mode, initially 0.</summary>
    public Tensor RunningMean { get; }

    /// <summary>The running unbiased variance "runningVar" [C] used in evaluation mode, initially 1.</summary>
    public Tensor RunningVar { get; }

    /// <summary>Normalises <paramref name="x"/> with the batch statistics (training, updating the running averages) or the running ones (evaluation).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> has the wrong rank or not <see cref="Features"/> on axis 1.</exception>
    public Variable Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != _rank || x.Shape[1] != Features)
        {
            throw new ArgumentException($"{GetType().Name}({Features}) needs x of rank {_rank} with {Features} features on axis 1, got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        var weight = Ops.Reshape(Weight, _statShape);
        var bias = Ops.Reshape(Bias, _statShape);
        if (!Training)
        {
            // Per-channel affine map with constants folded: y = x·s + t, s = weight/√(var + ε), t = bias − mean·s.
            var invStd = Tensor.Uninitialized(_statShape);
            var shift = Tensor.Uninitialized(_statShape);
            for (int c = 0; c < Features; c++)
            {
                invStd.Span[c] = 1f / MathF.Sqrt(RunningVar.Span[c] + Epsilon);
                shift.Span[c] = -RunningMean.Span[c] * invStd.Span[c];
            }

            var scale = Ops.Mul(weight, Variable.Constant(invStd));
            var offset = Ops.Add(Ops.Mul(Variable.Constant(shift), weight), bias);
            return Ops.Add(Ops.Mul(x, scale), offset);
        }

        var mean = Ops.Mean(x, _reduceAxes, keepDims: true);
        var centred = Ops.Sub(x, mean);
        var variance = Ops.Mean(Ops.Square(centred), _reduceAxes, keepDims: true);
        UpdateRunning(mean.Value, variance.Value, x.Value.Length / Features);
        var scaleTrain = Ops.Div(weight, Ops.Sqrt(Ops.AddScalar(variance, Epsilon)));
        return Ops.Add(Ops.Mul(centred, scaleTrain), bias);
    }

    private void UpdateRunning(Tensor mean, Tensor variance, int count)
    {
        float unbias = count > 1 ? count / (count - 1f) : 1f;
        var rm = RunningMean.Span;
        var rv = RunningVar.Span;
        for (int c = 0; c < Features; c++)
        {
            rm[c] = ((1f - Momentum) * rm[c]) + (Momentum * mean.Span[c]);
            rv[c] = ((1f - Momentum) * rv[c]) + (Momentum * variance.Span[c] * unbias);
        }
    }
}
