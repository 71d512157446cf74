using Flows.Autodiff;
using Flows.Kernels;
using Xunit.Abstractions;

namespace Flows.Tests.Autodiff;

/// <summary>A gradient check (<see cref="GradientCheck"/>) for every primitive in <see cref="Ops"/>.</summary>
public sealed class OpsGradientTests(ITestOutputHelper output)
{
    private static readonly int[] Full = [2, 3, 4, 5];

    // name → (function, inputs). Inputs are chosen well away from kinks, poles and domain edges.
    private static readonly Dictionary<string, (Func<Variable[], Variable> F, Func<Tensor[]> Inputs)> Cases = BuildCases();

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Gradient_matches_central_differences(string name)
    {
        var (f, inputs) = Cases[name];
        var report = GradientCheck.Run(f, inputs());
        output.WriteLine($"{name}: max error {report.MaxError:G3}; {report.Details}");
        Assert.True(report.Passed, $"{name}: {report.Details}");
    }

    internal static Tensor Normal(ulong seed, params int[] shape)
    {
        var t = Tensor.Uninitialized(shape);
        new Rng(seed).FillNormal(t.Span);
        return t;
    }

    internal static Tensor Uniform(ulong seed, float low, float high, params int[] shape)
    {
        var t = Tensor.Uninitialized(shape);
        new Rng(seed).FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>Magnitudes in [min, max] with random signs.</summary>
    internal static Tensor AwayFromZero(ulong seed, float min, float max, params int[] shape)
    {
        var rng = new Rng(seed);
        var t = Tensor.Uninitialized(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            float m = min + ((max - min) * rng.NextFloat());
            s[i] = rng.NextFloat() < 0.5f ? -m : m;
        }

        return t;
    }

    /// <summary>I + 0.3·noise/√n: far from singular.</summary>
    internal static Tensor WellConditioned(ulong seed, int n)
    {
        var t = Normal(seed, n, n);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] *= 0.3f / MathF.Sqrt(n);
        }

        for (int i = 0; i < n; i++)
        {
            s[(i * n) + i] += 1f;
        }

        return t;
    }

    private static Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> BuildCases()
    {
        var c = new Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)>();
        AddBinaryCases(c);
        AddUnaryCases(c);
        AddReduceCases(c);
        AddLinearCases(c);
        AddShapeCases(c);
        AddMatrixCases(c);
        return c;
    }

    private static void AddBinaryCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        (string Name, int[] Big, int[] Small)[] patterns =
        [
            ("same", Full, Full),
            ("per-channel", Full, [1, 3, 1, 1]),
            ("per-channel-rank3", Full, [3, 1, 1]),
            ("per-sample", Full, [2, 1, 1, 1]),
            ("per-position", Full, [1, 1, 4, 5]),
            ("scalar-rank0", Full, []),
            ("scalar-1", Full, [1]),
            ("row", [6, 4], [1, 4]),
            ("row-rank1", [6, 4], [4]),
            ("column", [6, 4], [6, 1]),
        ];
        (string Name, Func<Variable, Variable, Variable> Op)[] ops =
        [
            ("Add", Ops.Add),
            ("Sub", Ops.Sub),
            ("Mul", Ops.Mul),
            ("Div", Ops.Div),
        ];
        foreach (var (opName, op) in ops)
        {
            foreach (var (pattern, big, small) in patterns)
            {
                // Denominators stay in ±[0.5, 1.5]; numerators are normal.
                bool div = opName == "Div";
                c[$"{opName} {pattern} full∘small"] = (v => op(v[0], v[1]), () => [Normal(1, big), div ? AwayFromZero(2, 0.5f, 1.5f, small) : Normal(2, small)]);
                if (pattern != "same")
                {
                    c[$"{opName} {pattern} small∘full"] = (v => op(v[0], v[1]), () => [Normal(3, small), div ? AwayFromZero(4, 0.5f, 1.5f, big) : Normal(4, big)]);
                }
            }

            c[$"{opName} same operand twice"] = (v => op(v[0], v[0]), () => [AwayFromZero(5, 0.5f, 1.5f, 3, 4)]);
        }
    }

    private static void AddUnaryCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        int[] s = [2, 3, 4];
        c["Neg"] = (v => Ops.Neg(v[0]), () => [Normal(10, s)]);
        c["Scale"] = (v => Ops.Scale(v[0], -2.5f), () => [Normal(11, s)]);
        c["AddScalar"] = (v => Ops.AddScalar(v[0], 1.75f), () => [Normal(12, s)]);
        c["Exp"] = (v => Ops.Exp(v[0]), () => [Normal(13, s)]);
        c["Log"] = (v => Ops.Log(v[0]), () => [Uniform(14, 0.3f, 3f, s)]);
        c["Square"] = (v => Ops.Square(v[0]), () => [Normal(15, s)]);
        c["Sqrt"] = (v => Ops.Sqrt(v[0]), () => [Uniform(16, 0.3f, 3f, s)]);
        c["Sigmoid"] = (v => Ops.Sigmoid(v[0]), () => [Uniform(17, -4f, 4f, s)]);
        c["Tanh"] = (v => Ops.Tanh(v[0]), () => [Uniform(18, -2.5f, 2.5f, s)]);
        c["Relu"] = (v => Ops.Relu(v[0]), () => [AwayFromZero(19, 0.1f, 2f, s)]);
        c["ChannelAffine"] = (v => Ops.ChannelAffine(v[0], v[1], v[2]), () => [Normal(41, s), Normal(42, s[1]), Uniform(43, -0.7f, 0.7f, s[1])]);

        // |x + loc| ≥ 0.07 keeps the ReLU away from its kink under the probes.
        c["ChannelAffine relu"] = (v => Ops.ChannelAffine(v[0], v[1], v[2], relu: true), () => [AwayFromZero(44, 0.1f, 2f, s), Uniform(45, -0.03f, 0.03f, s[1]), Uniform(46, -0.7f, 0.7f, s[1])]);
        c["Softplus"] = (v => Ops.Softplus(v[0]), () => [Uniform(20, -5f, 5f, s)]);
        c["Softplus large |x|"] = (v => Ops.Softplus(v[0]), () => [AwayFromZero(21, 15f, 40f, s)]);
        c["LogSigmoid"] = (v => Ops.LogSigmoid(v[0]), () => [Uniform(22, -5f, 5f, s)]);
        c["LogSigmoid large |x|"] = (v => Ops.LogSigmoid(v[0]), () => [AwayFromZero(23, 15f, 40f, s)]);
        c["Operators"] = (v => ((v[0] * 2f) + 1f - v[1]) / (v[1] * v[1] + 1f), () => [Normal(24, s), Normal(25, s)]);
    }

    private static void AddReduceCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        int[][] axesList = [[0, 1, 2, 3], [1, 2, 3], [0, 2, 3], [0], [3], [2, 3], [0, 1], [0, 3], [-1], [-3, -2, -1], []];
        foreach (int[] axes in axesList)
        {
            foreach (bool keep in new[] { false, true })
            {
                string label = $"[{string.Join(",", axes)}] keepDims={keep}";
                c[$"Sum {label}"] = (v => Ops.Sum(v[0], axes, keep), () => [Normal(30, Full)]);
                c[$"Mean {label}"] = (v => Ops.Mean(v[0], axes, keep), () => [Normal(31, Full)]);
            }
        }

        c["Sum all"] = (v => Ops.Sum(v[0]), () => [Normal(32, Full)]);
        c["Mean all"] = (v => Ops.Mean(v[0]), () => [Normal(33, Full)]);
        c["SumPerSample"] = (v => Ops.SumPerSample(v[0]), () => [Normal(34, Full)]);
        c["SumPerSample [N, D]"] = (v => Ops.SumPerSample(v[0]), () => [Normal(35, 5, 7)]);
    }

    private static void AddLinearCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                // op(a) is 3×4, op(b) is 4×5.
                int[] aShape = ta ? [4, 3] : [3, 4];
                int[] bShape = tb ? [5, 4] : [4, 5];
                c[$"MatMul transposeA={ta} transposeB={tb}"] = (v => Ops.MatMul(v[0], v[1], ta, tb), () => [Normal(40, aShape), Normal(41, bShape)]);
            }
        }

        c["MatMul x·xᵀ"] = (v => Ops.MatMul(v[0], v[0], transposeB: true), () => [Normal(42, 3, 4)]);
        foreach (int k in new[] { 1, 3, 5 })
        {
            foreach (bool bias in new[] { false, true })
            {
                int kk = k;
                bool b = bias;
                Func<Tensor[]> inputs = b
                    ? () => [Normal(43, 2, 3, 5, 4), Uniform(44, -0.5f, 0.5f, 4, 3, kk, kk), Normal(45, 4)]
                    : () => [Normal(43, 2, 3, 5, 4), Uniform(44, -0.5f, 0.5f, 4, 3, kk, kk)];
                c[$"Conv2d kernel={k} bias={b}"] = (v => Ops.Conv2d(v[0], v[1], b ? v[2] : null), inputs);
            }
        }
    }

    private static void AddShapeCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        c["Reshape"] = (v => Ops.Reshape(v[0], 6, -1), () => [Normal(50, Full)]);
        c["Permute NCHW→NHWC"] = (v => Ops.Permute(v[0], 0, 2, 3, 1), () => [Normal(51, Full)]);
        c["Permute 3-D"] = (v => Ops.Permute(v[0], 2, 0, 1), () => [Normal(52, 3, 4, 5)]);
        c["Permute 2-D"] = (v => Ops.Permute(v[0], 1, 0), () => [Normal(53, 4, 6)]);
        c["Slice channel half"] = (v => Ops.Slice(v[0], 1, 3, 3), () => [Normal(54, 2, 6, 2, 3)]);
        c["Slice channels step 2"] = (v => Ops.Slice(v[0], 1, 1, 3, 2), () => [Normal(55, 2, 6, 2, 3)]);
        c["Slice last axis step 3"] = (v => Ops.Slice(v[0], -1, 0, 3, 3), () => [Normal(56, 2, 3, 8)]);
        c["Slice batch"] = (v => Ops.Slice(v[0], 0, 1, 2), () => [Normal(57, 4, 3)]);
        c["Slice twice into one sum"] = (v => Ops.Slice(v[0], 1, 0, 2, 2) * Ops.Slice(v[0], 1, 1, 2, 2), () => [Normal(58, 2, 4, 3)]);
        c["Concat axis 1"] = (v => Ops.Concat(1, v[0], v[1]), () => [Normal(60, 2, 3, 2, 2), Normal(61, 2, 1, 2, 2)]);
        c["Concat axis 0 three parts"] = (v => Ops.Concat(0, v[0], v[1], v[2]), () => [Normal(62, 1, 4), Normal(63, 2, 4), Normal(64, 3, 4)]);
        c["Concat last axis"] = (v => Ops.Concat(-1, v[0], v[1]), () => [Normal(65, 3, 2), Normal(66, 3, 5)]);
        c["Interleave axis 1"] = (v => Ops.Interleave(v[0], v[1]), () => [Normal(67, 2, 3, 2, 2), Normal(68, 2, 3, 2, 2)]);
        c["Interleave last axis"] = (v => Ops.Interleave(v[0], v[1], -1), () => [Normal(69, 3, 4), Normal(70, 3, 4)]);
    }

    private static void AddMatrixCases(Dictionary<string, (Func<Variable[], Variable>, Func<Tensor[]>)> c)
    {
        c["Inverse"] = (v => Ops.Inverse(v[0]), () => [WellConditioned(80, 4)]);
        c["LogAbsDet"] = (v => Ops.LogAbsDet(v[0]), () => [WellConditioned(81, 4)]);
        c["LogAbsDet negative determinant"] = (v => Ops.LogAbsDet(v[0]), () =>
        {
            var w = WellConditioned(82, 3);
            for (int j = 0; j < 3; j++)
            {
                w.Span[j] = -w.Span[j];
            }

            return [w];
        });
        c["Diag"] = (v => Ops.Diag(v[0]), () => [Normal(83, 5)]);
        c["Diag·W·Inverse"] = (v => Ops.MatMul(Ops.MatMul(Ops.Diag(v[0]), v[1]), Ops.Inverse(v[1])), () => [Normal(84, 3), WellConditioned(85, 3)]);
    }
}
