using Flows.Autodiff;

namespace Flows.Optim;

/// <summary>
/// Stochastic gradient descent with optional heavy-ball momentum μ, as <c>torch.optim.SGD</c>:
/// g ← g + λθ (L2 weight decay), b ← μb + g, θ ← θ − lr·b (b = g when μ = 0).
/// State: "sgd.momentum.&lt;name&gt;" (only when μ &gt; 0), "sgd.step".
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[]? _buffers;

    /// <summary>SGD over <paramref name="parameters"/>, with zero momentum buffers when μ &gt; 0.</summary>
    /// <param name="parameters">Named parameters, usually <c>Module.NamedParameters()</c>; names must be unique.</param>
    /// <param name="learningRate">The initial step size lr.</param>
    /// <param name="momentum">Momentum μ, in [0, 1); 0 for plain SGD.</param>
    /// <param name="weightDecay">L2 weight decay λ; non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">Momentum outside [0, 1) or a negative weight decay.</exception>
    public Sgd(IEnumerable<(string Name, Variable Value)> parameters, double learningRate, double momentum = 0, double weightDecay = 0)
        : base(parameters, learningRate, "sgd")
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        Momentum = momentum;
        WeightDecay = weightDecay;
        if (momentum > 0)
        {
            _buffers = CreateSlot("momentum");
        }
    }

    /// <summary>Momentum μ (0 for plain SGD).</summary>
    public double Momentum { get; }

    /// <summary>L2 weight decay λ, added to the gradient as λθ (0 for none).</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> grad)
    {
        float lr = (float)LearningRate, l2 = (float)WeightDecay, mu = (float)Momentum;
        if (_buffers is null)
        {
            for (int i = 0; i < value.Length; i++)
            {
                value[i] -= lr * (grad[i] + (l2 * value[i]));
            }

            return;
        }

        var b = _buffers[index].Span;
        for (int i = 0; i < value.Length; i++)
        {
            float bi = (mu * b[i]) + grad[i] + (l2 * value[i]);
            b[i] = bi;
            value[i] -= lr * bi;
        }
    }
}
