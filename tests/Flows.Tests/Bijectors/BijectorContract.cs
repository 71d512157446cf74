using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Kernels;

namespace Flows.Tests.Bijectors;

/// <summary>
/// The contract every bijector is checked against (STYLE.md, Tests): element count kept,
/// Inverse(Forward(x)) ≈ x, forward log-det equal to log|det J| with J built row by row by autodiff and
/// its determinant taken in double, inverse log-det = −forward log-det, finite outputs at large |x|.
/// Put the bijector in the mode to check (Training = false for batch norm: in training mode the
/// samples of a batch are coupled and the per-sample Jacobian is not the whole story).
/// </summary>
internal static class BijectorContract
{
    public static void Check(Bijector bijector, Tensor x, double logDetTolerance = 1e-3, float roundTripTolerance = 1e-4f, float largeScale = 50f)
    {
        var (z, logDet) = bijector.Forward(Variable.Constant(x.Clone()));
        int n = x.Shape[0];
        int d = x.Length / n;
        Assert.Equal(x.Length, z.Value.Length);
        Assert.Equal(n, z.Shape[0]);
        Assert.Equal([n], logDet.Shape);
        AssertFinite(z.Value, "forward z");
        AssertFinite(logDet.Value, "forward logDet");

        var (xBack, inverseLogDet) = bijector.Inverse(Variable.Constant(z.Value.Clone()));
        Assert.Equal(x.Shape, xBack.Shape);
        float maxError = MaxAbsDiff(x, xBack.Value);
        float scale = Math.Max(1f, MaxAbs(x));
        Assert.True(maxError <= roundTripTolerance * scale, $"{bijector.GetType().Name}: max |x − Inverse(Forward(x))| = {maxError} (tolerance {roundTripTolerance * scale}).");
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(inverseLogDet.Value.Span[i] + logDet.Value.Span[i]) <= logDetTolerance * Math.Max(1.0, Math.Abs(logDet.Value.Span[i])),
                $"{bijector.GetType().Name}: sample {i}: inverse logDet {inverseLogDet.Value.Span[i]} is not −forward {logDet.Value.Span[i]}.");
        }

        var bruteForce = LogAbsDetJacobian(bijector, x);
        for (int i = 0; i < n; i++)
        {
            double expected = bruteForce[i];
            double actual = logDet.Value.Span[i];
            Assert.True(Math.Abs(expected - actual) <= logDetTolerance * Math.Max(1.0, Math.Abs(expected)),
                $"{bijector.GetType().Name}: sample {i}: logDet {actual} but log|det J| by brute force is {expected} (D = {d}).");
        }

        if (largeScale > 0)
        {
            var large = x.Clone();
            System.Numerics.Tensors.TensorPrimitives.Multiply(large.Span, largeScale, large.Span);
            var (zl, ldl) = bijector.Forward(Variable.Constant(large));
            AssertFinite(zl.Value, "forward z at large |x|");
            AssertFinite(ldl.Value, "forward logDet at large |x|");
            var (xl, ildl) = bijector.Inverse(Variable.Constant(large.Clone()));
            AssertFinite(xl.Value, "inverse x at large |z|");
            AssertFinite(ildl.Value, "inverse logDet at large |z|");
        }
    }

    /// <summary>log|det ∂z_n/∂x_n| per sample, J assembled one output element at a time by back-propagation.</summary>
    public static double[] LogAbsDetJacobian(Bijector bijector, Tensor x)
    {
        int n = x.Shape[0];
        int d = x.Length / n;
        var input = Variable.Parameter(x.Clone());
        var (z, _) = bijector.Forward(input);
        var result = new double[n];
        var jacobian = new float[d * d];
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < d; i++)
            {
                input.ZeroGrad();
                var seed = Tensor.Zeros(z.Shape);
                seed.Span[(s * d) + i] = 1f;
                z.Backward(seed);
                var g = input.Grad!.Span;
                for (int j = 0; j < d; j++)
                {
                    jacobian[(i * d) + j] = g[(s * d) + j];
                }
            }

            result[s] = SmallMatrix.LogAbsDet(jacobian, d);
        }

        return result;
    }

    public static Tensor RandomInput(Rng rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        rng.FillNormal(t.Span);
        return t;
    }

    private static void AssertFinite(Tensor t, string what)
    {
        foreach (float v in t.Span)
        {
            Assert.True(float.IsFinite(v), $"{what} has a non-finite value {v}.");
        }
    }

    private static float MaxAbsDiff(Tensor a, Tensor b)
    {
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a.Span[i] - b.Span[i]));
        }

        return m;
    }

    private static float MaxAbs(Tensor a)
    {
        float m = 0;
        foreach (float v in a.Span)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m;
    }
}
