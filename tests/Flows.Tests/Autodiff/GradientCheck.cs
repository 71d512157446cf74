using Flows.Autodiff;

namespace Flows.Tests.Autodiff;

/// <summary>The outcome of <see cref="GradientCheck.Run"/>: the worst element and whether it was within tolerance.</summary>
internal sealed record GradientCheckReport(bool Passed, double MaxError, int WorstInput, int WorstIndex, double Analytic, double Numeric, string Details)
{
    public override string ToString() => Details;
}

/// <summary>
/// Compares back-propagated gradients with central differences. The loss is L = Σᵢ wᵢ·yᵢ with fixed random
/// weights w (so every output element matters and errors cannot cancel by symmetry), summed in double from
/// the float32 outputs. The numeric derivative is the Richardson extrapolation (4·D(h/2) − D(h))/3 of two
/// central differences, which removes the O(h²) truncation term and lets h stay large enough that float32
/// rounding of the outputs is negligible. Each element passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
/// Then each input is made the only parameter in turn (the others constants) and its gradient must equal the
/// one obtained with all inputs as parameters: this exercises every "if (x.RequiresGrad)" branch of a backward.
/// </summary>
internal static class GradientCheck
{
    public static GradientCheckReport Run(Func<Variable[], Variable> f, Tensor[] inputs, double h = 1e-2, double rtol = 2e-3, double atol = 2e-4, ulong seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);

        // Analytic gradients with every input a parameter.
        var parameters = new Variable[inputs.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            parameters[k] = Variable.Parameter(inputs[k].Clone());
        }

        var y = f(parameters);
        var weights = Tensor.Uninitialized(y.Shape);
        new Rng(seed).FillUniform(weights.Span, -1f, 1f);
        y.Backward(weights.Clone());
        var analytic = new float[inputs.Length][];
        for (int k = 0; k < inputs.Length; k++)
        {
            analytic[k] = parameters[k].Grad?.ToArray() ?? new float[inputs[k].Length];
        }

        double maxError = 0;
        int worstInput = -1, worstIndex = -1;
        double worstA = 0, worstN = 0;
        var work = new Tensor[inputs.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            work[k] = inputs[k].Clone();
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var xs = work[k].Span;
            for (int j = 0; j < xs.Length; j++)
            {
                float x0 = xs[j];
                double d1 = CentralDifference(f, work, k, j, x0, h, weights);
                double d2 = CentralDifference(f, work, k, j, x0, h / 2, weights);
                double numeric = ((4 * d2) - d1) / 3;
                double a = analytic[k][j];
                double error = Math.Abs(a - numeric) / (atol + (rtol * Math.Abs(numeric)));
                if (!(error <= maxError))
                {
                    maxError = double.IsNaN(error) ? double.PositiveInfinity : error;
                    (worstInput, worstIndex, worstA, worstN) = (k, j, a, numeric);
                }
            }
        }

        string details = $"worst: input {worstInput} element {worstIndex}: analytic {worstA:G9}, numeric {worstN:G9}; error {maxError:G4} in units of (atol {atol} + rtol {rtol}·|numeric|)";
        if (maxError > 1)
        {
            return new GradientCheckReport(false, maxError, worstInput, worstIndex, worstA, worstN, details);
        }

        if (inputs.Length > 1)
        {
            for (int k = 0; k < inputs.Length; k++)
            {
                var vars = new Variable[inputs.Length];
                for (int i = 0; i < inputs.Length; i++)
                {
                    vars[i] = i == k ? Variable.Parameter(inputs[i].Clone()) : Variable.Constant(inputs[i].Clone());
                }

                f(vars).Backward(weights.Clone());
                var alone = vars[k].Grad?.ToArray() ?? new float[inputs[k].Length];
                for (int j = 0; j < alone.Length; j++)
                {
                    if (Math.Abs(alone[j] - analytic[k][j]) > 1e-6 * (1 + Math.Abs(analytic[k][j])))
                    {
                        return new GradientCheckReport(false, maxError, k, j, alone[j], analytic[k][j], $"input {k} element {j}: gradient with only this input a parameter is {alone[j]:G9}, with all inputs parameters {analytic[k][j]:G9}");
                    }
                }
            }
        }

        return new GradientCheckReport(true, maxError, worstInput, worstIndex, worstA, worstN, details);
    }

    /// <summary>
    /// The same check for a module or model: <paramref name="forward"/> computes the output from the current
    /// values of <paramref name="parameters"/> (and of any fixed input it captures); each parameter element is
    /// perturbed in place. With ReLUs, keep h small enough that no pre-activation crosses zero.
    /// </summary>
    public static GradientCheckReport RunParameters(Func<Variable> forward, IReadOnlyList<Variable> parameters, double h = 1e-2, double rtol = 2e-3, double atol = 2e-4, ulong seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var p in parameters)
        {
            p.ZeroGrad();
        }

        var y = forward();
        var weights = Tensor.Uninitialized(y.Shape);
        new Rng(seed).FillUniform(weights.Span, -1f, 1f);
        y.Backward(weights.Clone());
        double maxError = 0;
        int worstInput = -1, worstIndex = -1;
        double worstA = 0, worstN = 0;
        for (int k = 0; k < parameters.Count; k++)
        {
            var analytic = parameters[k].Grad?.ToArray() ?? new float[parameters[k].Value.Length];
            var xs = parameters[k].Value;
            for (int j = 0; j < xs.Length; j++)
            {
                float x0 = xs.Span[j];
                double d1 = ParameterDifference(forward, xs, j, x0, h, weights);
                double d2 = ParameterDifference(forward, xs, j, x0, h / 2, weights);
                double numeric = ((4 * d2) - d1) / 3;
                double error = Math.Abs(analytic[j] - numeric) / (atol + (rtol * Math.Abs(numeric)));
                if (!(error <= maxError))
                {
                    maxError = double.IsNaN(error) ? double.PositiveInfinity : error;
                    (worstInput, worstIndex, worstA, worstN) = (k, j, analytic[j], numeric);
                }
            }
        }

        string details = $"worst: parameter {worstInput} element {worstIndex}: analytic {worstA:G9}, numeric {worstN:G9}; error {maxError:G4} in units of (atol {atol} + rtol {rtol}·|numeric|)";
        return new GradientCheckReport(maxError <= 1, maxError, worstInput, worstIndex, worstA, worstN, details);
    }

    private static double ParameterDifference(Func<Variable> forward, Tensor value, int j, float x0, double h, Tensor weights)
    {
        float plus = (float)(x0 + h), minus = (float)(x0 - h);
        value.Span[j] = plus;
        double lp = Evaluate(forward, weights);
        value.Span[j] = minus;
        double lm = Evaluate(forward, weights);
        value.Span[j] = x0;
        return (lp - lm) / ((double)plus - minus);
    }

    private static double Evaluate(Func<Variable> forward, Tensor weights)
    {
        using var noGrad = Autograd.NoGrad();
        var ys = forward().Value.Span;
        var ws = weights.Span;
        double sum = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            sum += (double)ws[i] * ys[i];
        }

        return sum;
    }

    /// <summary>Runs the check and fails the test with the report when it does not pass.</summary>
    public static void Assert(Func<Variable[], Variable> f, params Tensor[] inputs)
    {
        var report = Run(f, inputs);
        Xunit.Assert.True(report.Passed, report.Details);
    }

    private static double CentralDifference(Func<Variable[], Variable> f, Tensor[] work, int k, int j, float x0, double h, Tensor weights)
    {
        var xs = work[k].Span;
        float plus = (float)(x0 + h), minus = (float)(x0 - h);
        xs[j] = plus;
        double lp = Loss(f, work, weights);
        xs = work[k].Span;
        xs[j] = minus;
        double lm = Loss(f, work, weights);
        xs = work[k].Span;
        xs[j] = x0;

        // Divide by the step actually taken in float, not the nominal one.
        return (lp - lm) / ((double)plus - minus);
    }

    private static double Loss(Func<Variable[], Variable> f, Tensor[] work, Tensor weights)
    {
        using var noGrad = Autograd.NoGrad();
        var vars = new Variable[work.Length];
        for (int i = 0; i < work.Length; i++)
        {
            vars[i] = Variable.Constant(work[i]);
        }

        var y = f(vars).Value;
        var ys = y.Span;
        var ws = weights.Span;
        double sum = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            sum += (double)ws[i] * ys[i];
        }

        return sum;
    }
}
