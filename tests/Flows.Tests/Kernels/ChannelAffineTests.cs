using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Tests.Kernels;

/// <summary>The fused ActNorm(+ReLU) kernel against its scalar twin and against the composition of primitives.</summary>
[Collection(ThreadSettingGroup.Name)]
public sealed class ChannelAffineTests
{
    public static TheoryData<int, int, int, bool> Shapes() => new()
    {
        { 1, 1, 1, false },
        { 2, 3, 0, true },
        { 3, 5, 7, false },
        { 3, 5, 7, true },
        { 4, 128, 49, true },
        { 64, 8, 33, false },
        { 65, 3, 196, true },
        { 9, 130, 17, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_the_scalar_twins(int n, int channels, int inner, bool relu)
    {
        var rng = new Rng((ulong)(n * 1000 + channels + inner));
        int total = n * channels * inner;
        var x = KernelTolerance.Random(total, rng);
        var g = KernelTolerance.Random(total, rng);
        var loc = KernelTolerance.Random(channels, rng);
        var scale = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            scale[c] = MathF.Exp(0.5f * (rng.NextFloat() - 0.5f));
        }

        if (total > 0)
        {
            x[0] = -loc[0]; // an exact zero before the ReLU: derivative 0 in both
        }

        var yFast = new float[total];
        var yPlain = new float[total];
        ChannelAffine.ForwardParallel(x, n, channels, inner, loc, scale, yFast, relu);
        ChannelAffine.ForwardScalar(x, n, channels, inner, loc, scale, yPlain, relu);
        Assert.Equal(yPlain, yFast);

        var gxFast = new float[total];
        var gxPlain = new float[total];
        double[] locFast = new double[channels], locPlain = new double[channels];
        double[] logFast = new double[channels], logPlain = new double[channels];
        ChannelAffine.BackwardParallel(yFast, g, n, channels, inner, scale, relu, gxFast, locFast, logFast);
        ChannelAffine.BackwardScalar(yPlain, g, n, channels, inner, scale, relu, gxPlain, locPlain, logPlain);
        Assert.Equal(gxPlain, gxFast);
        for (int c = 0; c < channels; c++)
        {
            // The fast path sums each plane in float (SIMD), the twin in double.
            double tol = 1e-5 * (1 + (n * inner));
            Assert.InRange(locFast[c] - locPlain[c], -tol, tol);
            Assert.InRange(logFast[c] - logPlain[c], -tol, tol);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_one_pass_forward_gives_the_bits_of_the_three_primitives_it_replaced(bool relu)
    {
        // Planes of 1..40 floats (every vector tail) with specials: NaN, ±∞, ±0, denormals, exact cancellations.
        var rng = new Rng(41);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-40f, -1e-40f, float.MaxValue];
        for (int inner = 1; inner <= 40; inner++)
        {
            const int n = 2, channels = 3;
            int total = n * channels * inner;
            var x = KernelTolerance.Random(total, rng);
            for (int i = 0; i < total; i += 3)
            {
                x[i] = specials[rng.NextInt(specials.Length)];
            }

            float[] loc = [0.25f, -0f, float.NaN], scale = [1.5f, 1e-39f, 2f];
            x[0] = -loc[0];
            var expected = new float[total];
            for (int plane = 0; plane < n * channels; plane++)
            {
                var dst = expected.AsSpan(plane * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(x.AsSpan(plane * inner, inner), loc[plane % channels], dst);
                System.Numerics.Tensors.TensorPrimitives.Multiply(dst, scale[plane % channels], dst);
                if (relu)
                {
                    System.Numerics.Tensors.TensorPrimitives.Max(dst, 0f, dst);
                }
            }

            var actual = new float[total];
            ChannelAffine.Forward(x, n, channels, inner, loc, scale, actual, relu);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void One_and_two_threads_give_identical_bits()
    {
        var rng = new Rng(5);
        int n = 64, channels = 128, inner = 196, total = n * channels * inner;
        var x = KernelTolerance.Random(total, rng);
        var g = KernelTolerance.Random(total, rng);
        var loc = KernelTolerance.Random(channels, rng);
        var scale = KernelTolerance.Random(channels, rng);
        int saved = Parallelism.Threads;
        try
        {
            var results = new List<(float[] Y, float[] Gx, double[] GLoc, double[] GLog)>();
            foreach (int threads in new[] { 1, 2, 1 })
            {
                Parallelism.Threads = threads;
                var y = new float[total];
                var gx = new float[total];
                var gLoc = new double[channels];
                var gLog = new double[channels];
                ChannelAffine.ForwardParallel(x, n, channels, inner, loc, scale, y, relu: true);
                ChannelAffine.BackwardParallel(y, g, n, channels, inner, scale, relu: true, gx, gLoc, gLog);
                results.Add((y, gx, gLoc, gLog));
            }

            for (int i = 1; i < results.Count; i++)
            {
                Assert.Equal(results[0].Y, results[i].Y);
                Assert.Equal(results[0].Gx, results[i].Gx);
                Assert.Equal(results[0].GLoc, results[i].GLoc);
                Assert.Equal(results[0].GLog, results[i].GLog);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Fact]
    public void The_op_equals_the_composition_of_primitives_values_and_gradients()
    {
        var rng = new Rng(9);
        int[] shape = [5, 6, 3, 4];
        var xValue = Tensor.Uninitialized(shape);
        rng.FillNormal(xValue.Span);
        var locValue = Tensor.Uninitialized(6);
        rng.FillNormal(locValue.Span);
        var logValue = Tensor.Uninitialized(6);
        rng.FillUniform(logValue.Span, -1f, 1f);
        var weights = Tensor.Uninitialized(shape);
        rng.FillNormal(weights.Span);

        (float[] Y, float[] Gx, float[] GLoc, float[] GLog) Run(bool fused)
        {
            var x = Variable.Parameter(xValue.Clone());
            var loc = Variable.Parameter(locValue.Clone());
            var logScale = Variable.Parameter(logValue.Clone());
            var y = fused
                ? Ops.ChannelAffine(x, loc, logScale, relu: true)
                : Ops.Relu(Ops.Mul(Ops.Add(x, Ops.Reshape(loc, 6, 1, 1)), Ops.Exp(Ops.Reshape(logScale, 6, 1, 1))));
            y.Backward(weights.Clone());
            return (y.Value.ToArray(), x.Grad!.ToArray(), loc.Grad!.ToArray(), logScale.Grad!.ToArray());
        }

        var a = Run(fused: true);
        var b = Run(fused: false);
        Assert.Equal(b.Y, a.Y);
        Assert.Equal(b.Gx, a.Gx);
        for (int c = 0; c < 6; c++)
        {
            Assert.InRange(a.GLoc[c] - b.GLoc[c], -1e-4f, 1e-4f);
            Assert.InRange(a.GLog[c] - b.GLog[c], -1e-4f, 1e-4f);
        }

        Assert.Contains(a.Y, v => v == 0f); // the ReLU was active somewhere, so the masking was exercised
    }
}
