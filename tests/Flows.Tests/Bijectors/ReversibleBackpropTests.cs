using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Kernels;

namespace Flows.Tests.Bijectors;

/// <summary>
/// Reversible (memory-efficient) back-propagation must give the same values and gradients as ordinary
/// back-propagation through the same steps: compared on chains with non-trivial random parameters, with
/// and without a gradient for the input, with only z or only the log-det used downstream, through a
/// shape-changing step and through a data-dependent initialisation.
/// </summary>
public sealed class ReversibleBackpropTests
{
    private const double Tolerance = 1e-4;

    /// <summary>z = x·e^s + b per channel ([1, C, 1, 1] parameters), logDet = H·W·Σ s.</summary>
    private sealed class ChannelAffine : Bijector
    {
        private readonly Variable _logScale;
        private readonly Variable _shift;

        public ChannelAffine(int channels, Rng rng)
        {
            _logScale = AddParameter("logScale", Random(rng, 0.4f, 1, channels, 1, 1));
            _shift = AddParameter("shift", Random(rng, 0.5f, 1, channels, 1, 1));
        }

        public override (Variable Z, Variable LogDet) Forward(Variable x)
        {
            var z = (x * Ops.Exp(_logScale)) + _shift;
            return (z, PerSample(Ops.Sum(_logScale) * (x.Shape[2] * x.Shape[3]), x.Shape[0]));
        }

        public override (Variable X, Variable LogDet) Inverse(Variable z)
        {
            var x = (z - _shift) * Ops.Exp(-_logScale);
            return (x, PerSample(Ops.Sum(_logScale) * -(z.Shape[2] * z.Shape[3]), z.Shape[0]));
        }
    }

    /// <summary>
    /// An affine coupling built from Ops: h = conv3x3(relu(conv3x3(xa))); shift = h[even], s = h[odd];
    /// zb = (xb + shift)·sigmoid(s + 2), as in the glow-mnist coupling. A non-zero inverseError
    /// perturbs the inverse, to show the comparison notices a bad reconstruction.
    /// </summary>
    private sealed class ConvCoupling : Bijector
    {
        private readonly Variable _w1;
        private readonly Variable _w2;
        private readonly Variable _b2;
        private readonly float _inverseError;

        public ConvCoupling(int channels, int hidden, Rng rng, float inverseError = 0f)
        {
            int half = channels / 2;
            _w1 = AddParameter("w1", Random(rng, 0.4f, hidden, half, 3, 3));
            _w2 = AddParameter("w2", Random(rng, 0.2f, channels, hidden, 3, 3));
            _b2 = AddParameter("b2", Random(rng, 0.3f, channels));
            _inverseError = inverseError;
        }

        public override (Variable Z, Variable LogDet) Forward(Variable x)
        {
            int half = x.Shape[1] / 2;
            var xa = Ops.Slice(x, 1, 0, half);
            var xb = Ops.Slice(x, 1, half, half);
            var (shift, logScale) = Conditioner(xa);
            var zb = (xb + shift) * Ops.Exp(logScale);
            return (Ops.Concat(1, xa, zb), Ops.SumPerSample(logScale));
        }

        public override (Variable X, Variable LogDet) Inverse(Variable z)
        {
            int half = z.Shape[1] / 2;
            var za = Ops.Slice(z, 1, 0, half);
            var zb = Ops.Slice(z, 1, half, half);
            var (shift, logScale) = Conditioner(za);
            var xb = (zb * Ops.Exp(-logScale)) - shift;
            if (_inverseError != 0f)
            {
                xb += _inverseError;
            }

            return (Ops.Concat(1, za, xb), -Ops.SumPerSample(logScale));
        }

        private (Variable Shift, Variable LogScale) Conditioner(Variable xa)
        {
            var h = Ops.Conv2d(Ops.Relu(Ops.Conv2d(xa, _w1)), _w2, _b2);
            int half = h.Shape[1] / 2;
            return (Ops.Slice(h, 1, 0, half, 2), Ops.LogSigmoid(Ops.Slice(h, 1, 1, half, 2) + 2f));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ImageChainGradientsEqualOrdinaryBackprop(bool inputNeedsGrad)
    {
        var steps = ImageSteps(new Rng(11), inverseError: 0f);
        var x = RandomTensor(new Rng(12), 1f, 3, 2, 8, 8);
        var result = Compare(steps, x, inputNeedsGrad, useZ: true, useLogDet: true);
        Assert.True(result.MaxRelative < Tolerance, result.Report);
        Assert.Equal(0f, result.MaxValueDiff);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void OnlyOneOutputUsedStillGivesItsGradients(bool useZ, bool useLogDet)
    {
        var steps = ImageSteps(new Rng(21), inverseError: 0f);
        var x = RandomTensor(new Rng(22), 1f, 2, 2, 8, 8);
        var result = Compare(steps, x, inputNeedsGrad: true, useZ, useLogDet);
        Assert.True(result.MaxRelative < Tolerance, result.Report);
    }

    [Fact]
    public void WrongInverseIsDetected()
    {
        // The comparison must be able to fail: a reconstruction off by 0.1 changes the gradients.
        var steps = ImageSteps(new Rng(11), inverseError: 0.1f);
        var x = RandomTensor(new Rng(12), 1f, 3, 2, 8, 8);
        var result = Compare(steps, x, inputNeedsGrad: true, useZ: true, useLogDet: true);
        Assert.True(result.MaxRelative > 10 * Tolerance, result.Report);
    }

    [Fact]
    public void VectorChainWithDataDependentInitMatchesOrdinaryBackprop()
    {
        // Two identical fresh models: ActNorm initialises on the first forward of each.
        Bijector[] Build()
        {
            var rng = new Rng(31);
            var steps = new Bijector[]
            {
                new ActNorm(6), new LuInvertibleConv1x1(6, rng), Couplings.RealNvpVector(6, 0, 16, 1, rng),
                new ActNorm(6), new LuInvertibleConv1x1(6, rng), Couplings.RealNvpVector(6, 1, 16, 1, rng),
            };
            var noise = new Rng(32);
            foreach (var step in steps)
            {
                if (step is not ActNorm)
                {
                    Perturb(step, noise, 0.3f);
                }
            }

            return steps;
        }

        var x = RandomTensor(new Rng(33), 2f, 16, 6);
        var plainSteps = Build();
        var reversibleSteps = Build();
        var plain = Run(plainSteps, x, inputNeedsGrad: true, reversible: false, useZ: true, useLogDet: true);
        var reversible = Run(reversibleSteps, x, inputNeedsGrad: true, reversible: true, useZ: true, useLogDet: true);
        Assert.True(((ActNorm)reversibleSteps[0]).IsInitialized);
        var result = Diff(plain, reversible);
        Assert.True(result.MaxRelative < Tolerance, result.Report);
        Assert.Equal(0f, result.MaxValueDiff);
    }

    [Fact]
    public void ShapeChangingStepIsSupported()
    {
        var rng = new Rng(41);
        var steps = new Bijector[] { new ChannelAffine(1, rng), new Squeeze(), new ConvCoupling(4, 8, rng), new ChannelAffine(4, rng) };
        var x = RandomTensor(new Rng(42), 1f, 2, 1, 8, 8);
        var result = Compare(steps, x, inputNeedsGrad: true, useZ: true, useLogDet: true);
        Assert.True(result.MaxRelative < Tolerance, result.Report);
    }

    [Fact]
    public void WithoutRecordingItIsThePlainForward()
    {
        var steps = ImageSteps(new Rng(51), inverseError: 0f);
        var x = RandomTensor(new Rng(52), 1f, 2, 2, 8, 8);
        using (Autograd.NoGrad())
        {
            var (z, logDet) = ReversibleBackprop.Forward(steps, Variable.Constant(x));
            var (zPlain, logDetPlain) = new Chain(steps).Forward(Variable.Constant(x));
            Assert.Equal(zPlain.Value.ToArray(), z.Value.ToArray());
            Assert.Equal(logDetPlain.Value.ToArray(), logDet.Value.ToArray());
        }
    }

    [Fact]
    public void ReversibleChainIsABijector()
    {
        var rng = new Rng(61);
        var chain = new ReversibleChain(new ChannelAffine(2, rng), new ConvCoupling(2, 4, rng), new ChannelAffine(2, rng));
        BijectorContract.Check(chain, RandomTensor(new Rng(62), 1f, 2, 2, 2, 2), largeScale: 0f);
        Assert.Equal(["0.logScale", "0.shift", "1.w1", "1.w2", "1.b2", "2.logScale", "2.shift"], chain.NamedParameters().Select(p => p.Name));
    }

    private static Bijector[] ImageSteps(Rng rng, float inverseError)
    {
        var steps = new List<Bijector>();
        for (int k = 0; k < 4; k++)
        {
            steps.Add(new ChannelAffine(2, rng));
            steps.Add(new ConvCoupling(2, 6, rng, k == 2 ? inverseError : 0f));
        }

        return [.. steps];
    }

    private sealed record Outcome(float[] Z, float[] LogDet, float[]? InputGrad, List<float[]> ParameterGrads);

    private sealed record Difference(double MaxRelative, float MaxValueDiff, string Report);

    private static Difference Compare(Bijector[] steps, Tensor x, bool inputNeedsGrad, bool useZ, bool useLogDet)
    {
        var plain = Run(steps, x, inputNeedsGrad, reversible: false, useZ, useLogDet);
        var reversible = Run(steps, x, inputNeedsGrad, reversible: true, useZ, useLogDet);
        return Diff(plain, reversible);
    }

    /// <summary>loss = Σ a⊙z + Σ b⊙logDet with fixed random a, b; returns values and every gradient.</summary>
    private static Outcome Run(Bijector[] steps, Tensor x, bool inputNeedsGrad, bool reversible, bool useZ, bool useLogDet)
    {
        foreach (var s in steps)
        {
            s.ZeroGrad();
        }

        var input = new Variable(x.Clone(), requiresGrad: inputNeedsGrad);
        var (z, logDet) = reversible ? ReversibleBackprop.Forward(steps, input) : new Chain(steps).Forward(input);
        var weightsRng = new Rng(99);
        Variable? loss = null;
        if (useZ)
        {
            loss = Ops.Sum(z * Variable.Constant(RandomTensor(weightsRng, 1f, z.Shape)));
        }

        if (useLogDet)
        {
            var term = Ops.Sum(logDet * Variable.Constant(RandomTensor(weightsRng, 1f, logDet.Shape)));
            loss = loss is null ? term : loss + term;
        }

        var zValues = z.Value.ToArray();
        var logDetValues = logDet.Value.ToArray();
        loss!.Backward();
        var grads = new List<float[]>();
        foreach (var s in steps)
        {
            foreach (var p in s.Parameters())
            {
                grads.Add(p.Grad?.ToArray() ?? new float[p.Value.Length]);
            }
        }

        var outcome = new Outcome(zValues, logDetValues, inputNeedsGrad ? input.Grad!.ToArray() : null, grads);
        loss.ReleaseGraph();
        return outcome;
    }

    private static Difference Diff(Outcome a, Outcome b)
    {
        double worst = 0;
        var report = new System.Text.StringBuilder();
        void One(string name, float[] expected, float[] actual)
        {
            double num = 0, den = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                num += Math.Pow(expected[i] - actual[i], 2);
                den += Math.Pow(expected[i], 2);
            }

            double rel = Math.Sqrt(num) / Math.Max(Math.Sqrt(den), 1e-12);
            worst = Math.Max(worst, rel);
            report.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {rel:E2}; ");
        }

        if (a.InputGrad is not null)
        {
            One("x", a.InputGrad, b.InputGrad!);
        }

        for (int i = 0; i < a.ParameterGrads.Count; i++)
        {
            Assert.Contains(a.ParameterGrads[i], v => v != 0f);
            One($"p{i}", a.ParameterGrads[i], b.ParameterGrads[i]);
        }

        float valueDiff = 0;
        for (int i = 0; i < a.Z.Length; i++)
        {
            valueDiff = Math.Max(valueDiff, Math.Abs(a.Z[i] - b.Z[i]));
        }

        for (int i = 0; i < a.LogDet.Length; i++)
        {
            valueDiff = Math.Max(valueDiff, Math.Abs(a.LogDet[i] - b.LogDet[i]));
        }

        return new Difference(worst, valueDiff, report.ToString());
    }

    private static void Perturb(Bijector step, Rng rng, float std)
    {
        foreach (var p in step.Parameters())
        {
            var span = p.Value.Span;
            for (int i = 0; i < span.Length; i++)
            {
                span[i] += std * (float)rng.NextNormal();
            }
        }
    }

    private static Variable PerSample(Variable scalar, int n) => Ops.Add(Variable.Constant(Tensor.Zeros(n)), scalar);

    private static Tensor Random(Rng rng, float std, params int[] shape) => RandomTensor(rng, std, shape);

    private static Tensor RandomTensor(Rng rng, float std, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        rng.FillNormal(t.Span, 0f, std);
        return t;
    }
}
