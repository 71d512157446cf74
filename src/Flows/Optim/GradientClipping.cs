using Flows.Autodiff;

namespace Flows.Optim;

/// <summary>Gradient rescaling applied between <c>Backward()</c> and <c>Step()</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the global L2 norm ‖g‖ of all gradients (in double, in parameter order, so it is deterministic)
    /// and, when ‖g‖ &gt; <paramref name="maxNorm"/>, scales every gradient by maxNorm / (‖g‖ + 1e-6) as
    /// <c>torch.nn.utils.clip_grad_norm_</c> does. A non-finite norm leaves the gradients unchanged, so the caller
    /// can detect it and skip the step. Parameters without a gradient are ignored.
    /// </summary>
    /// <returns>The norm before clipping.</returns>
    public static double ClipByGlobalNorm(IEnumerable<Variable> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "Maximum norm must be positive.");
        }

        var grads = new List<Tensor>();
        double sumSquares = 0;
        foreach (var p in parameters)
        {
            var g = p?.Grad;
            if (g is null)
            {
                continue;
            }

            grads.Add(g);
            var s = g.Span;
            for (int i = 0; i < s.Length; i++)
            {
                double x = s[i];
                sumSquares += x * x;
            }
        }

        double norm = Math.Sqrt(sumSquares);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (var g in grads)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, scale, g.Span);
            }
        }

        return norm;
    }

    /// <summary>The global L2 norm of all gradients, in double and in parameter order (deterministic); parameters without a gradient are ignored.</summary>
    public static double GlobalNorm(IEnumerable<Variable> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sumSquares = 0;
        foreach (var p in parameters)
        {
            if (p?.Grad is { } g)
            {
                double partial = System.Numerics.Tensors.TensorPrimitives.Dot<float>(g.Span, g.Span);
                sumSquares += partial;
            }
        }

        return Math.Sqrt(sumSquares);
    }

    /// <inheritdoc cref="ClipByGlobalNorm(IEnumerable{Variable}, double)"/>
    public static double ClipByGlobalNorm(IEnumerable<(string Name, Variable Value)> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ClipByGlobalNorm(Values(parameters), maxNorm);
    }

    private static IEnumerable<Variable> Values(IEnumerable<(string Name, Variable Value)> parameters)
    {
        foreach (var (_, v) in parameters)
        {
            yield return v;
        }
    }
}
