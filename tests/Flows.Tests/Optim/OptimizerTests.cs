using Flows.Autodiff;
using Flows.Optim;

namespace Flows.Tests.Optim;

public sealed class OptimizerTests
{
    private const int Steps = 12;

    private delegate void ReferenceStep(double[] theta, double[] grad, double[][] state, long t);

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.1, false)]
    [InlineData(0.1, true)]
    public void Adam_matches_a_double_precision_reference(double weightDecay, bool decoupled)
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        RunAgainstReference(
            ps => new Adam(ps, lr, b1, b2, eps, weightDecay, decoupled),
            slots: 2,
            (theta, grad, s, t) =>
            {
                for (int i = 0; i < theta.Length; i++)
                {
                    double g = grad[i] + (decoupled ? 0 : weightDecay * theta[i]);
                    if (decoupled)
                    {
                        theta[i] *= 1 - (lr * weightDecay);
                    }

                    s[0][i] = (b1 * s[0][i]) + ((1 - b1) * g);
                    s[1][i] = (b2 * s[1][i]) + ((1 - b2) * g * g);
                    double mHat = s[0][i] / (1 - Math.Pow(b1, t));
                    double vHat = s[1][i] / (1 - Math.Pow(b2, t));
                    theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
                }
            });
    }

    [Fact]
    public void Adamax_matches_a_double_precision_reference()
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8;
        RunAgainstReference(
            ps => new Adamax(ps, lr, b1, b2, eps),
            slots: 2,
            (theta, grad, s, t) =>
            {
                for (int i = 0; i < theta.Length; i++)
                {
                    s[0][i] = (b1 * s[0][i]) + ((1 - b1) * grad[i]);
                    s[1][i] = Math.Max(b2 * s[1][i], Math.Abs(grad[i]));
                    theta[i] -= lr / (1 - Math.Pow(b1, t)) * s[0][i] / (s[1][i] + eps);
                }
            });
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 0.0)]
    [InlineData(0.9, 0.05)]
    public void Sgd_matches_a_double_precision_reference(double momentum, double weightDecay)
    {
        const double lr = 0.05;
        RunAgainstReference(
            ps => new Sgd(ps, lr, momentum, weightDecay),
            slots: 1,
            (theta, grad, s, t) =>
            {
                for (int i = 0; i < theta.Length; i++)
                {
                    double g = grad[i] + (weightDecay * theta[i]);
                    s[0][i] = (momentum * s[0][i]) + g;
                    theta[i] -= lr * s[0][i];
                }
            });
    }

    [Fact]
    public void Step_skips_parameters_without_gradient_and_counts_steps()
    {
        var a = Variable.Parameter(Tensor.FromArray([1f, 2f], 2));
        var b = Variable.Parameter(Tensor.FromArray([3f, 4f], 2));
        var opt = new Adam([("a", a), ("b", b)], 0.1);
        a.AccumulateGrad(Tensor.FromArray([1f, -1f], 2));
        opt.Step();
        Assert.Equal(1, opt.StepCount);
        Assert.Equal([3f, 4f], b.Value.ToArray());
        Assert.NotEqual([1f, 2f], a.Value.ToArray());
        var state = ToDictionary(opt.NamedState());
        Assert.Equal([0f, 0f], state["adam.m.b"].ToArray());
        opt.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void Named_state_uses_optimizer_slot_and_parameter_names()
    {
        var w = Variable.Parameter(Tensor.Zeros(2, 3));
        var names = new List<string>();
        foreach (var (name, _) in new Adam([("conv.weight", w)]).NamedState())
        {
            names.Add(name);
        }

        Assert.Equal(["adam.m.conv.weight", "adam.v.conv.weight", "adam.step"], names);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adamax")]
    [InlineData("sgd")]
    public void Resuming_from_saved_state_continues_bit_for_bit(string kind)
    {
        const int total = 9, split = 4;
        var straight = NewParameters(11);
        var optA = Create(kind, straight);
        for (int t = 1; t <= total; t++)
        {
            SetGradients(straight, t);
            optA.Step();
        }

        var first = NewParameters(11);
        var optB = Create(kind, first);
        for (int t = 1; t <= split; t++)
        {
            SetGradients(first, t);
            optB.Step();
        }

        // Save copies as a checkpoint would, then resume in fresh objects.
        var saved = new Dictionary<string, Tensor>();
        foreach (var (name, value) in optB.NamedState())
        {
            saved[name] = value.Clone();
        }

        var resumed = NewParameters(99);
        for (int i = 0; i < resumed.Length; i++)
        {
            first[i].Value.Value.Span.CopyTo(resumed[i].Value.Value.Span);
        }

        var optC = Create(kind, resumed);
        optC.LoadState(saved);
        Assert.Equal(split, optC.StepCount);
        for (int t = split + 1; t <= total; t++)
        {
            SetGradients(resumed, t);
            optC.Step();
        }

        Assert.Equal(optA.StepCount, optC.StepCount);
        for (int i = 0; i < straight.Length; i++)
        {
            Assert.Equal(straight[i].Value.Value.ToArray(), resumed[i].Value.Value.ToArray());
        }
    }

    [Fact]
    public void Step_count_round_trips_beyond_float_precision()
    {
        var p = Variable.Parameter(Tensor.Zeros(1));
        var opt = new Sgd([("p", p)], 0.1);
        var state = ToDictionary(opt.NamedState());
        long big = (1L << 40) + 12345;
        state["sgd.step"] = Tensor.FromArray([big >> 24, big & 0xFFFFFF], 2);
        opt.LoadState(state);
        Assert.Equal(big, opt.StepCount);
        Assert.Equal(state["sgd.step"].ToArray(), ToDictionary(opt.NamedState())["sgd.step"].ToArray());
    }

    [Fact]
    public void LoadState_rejects_missing_and_misshapen_entries()
    {
        var p = Variable.Parameter(Tensor.Zeros(3));
        var opt = new Adam([("p", p)]);
        var state = ToDictionary(opt.NamedState());
        state.Remove("adam.v.p");
        Assert.Throws<ArgumentException>(() => opt.LoadState(state));
        state["adam.v.p"] = Tensor.Zeros(4);
        Assert.Throws<ArgumentException>(() => opt.LoadState(state));
    }

    [Fact]
    public void Duplicate_parameter_names_are_rejected()
    {
        var p = Variable.Parameter(Tensor.Zeros(3));
        Assert.Throws<ArgumentException>(() => new Adam([("p", p), ("p", p)]));
        Assert.Throws<ArgumentException>(() => new Adam([("p", p), ("q", p)]));
    }

    [Fact]
    public void Adam_minimises_a_quadratic()
    {
        var x = Variable.Parameter(Tensor.FromArray([3f, -2f, 0.5f], 3));
        var target = Variable.Constant(Tensor.FromArray([1f, 1f, 1f], 3));
        var opt = new Adam([("x", x)], 0.05);
        for (int i = 0; i < 500; i++)
        {
            opt.ZeroGrad();
            var loss = Ops.Sum(Ops.Square(x - target));
            loss.Backward();
            opt.Step();
        }

        foreach (float v in x.Value.Span)
        {
            Assert.InRange(v, 0.99f, 1.01f);
        }
    }

    internal static Dictionary<string, Tensor> ToDictionary(IEnumerable<(string Name, Tensor Value)> state)
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, value) in state)
        {
            d[name] = value;
        }

        return d;
    }

    private static Optimizer Create(string kind, (string Name, Variable Value)[] ps) => kind switch
    {
        "adam" => new Adam(ps, 0.01, weightDecay: 0.01),
        "adamw" => new Adam(ps, 0.01, weightDecay: 0.01, decoupledWeightDecay: true),
        "adamax" => new Adamax(ps, 0.01),
        _ => new Sgd(ps, 0.01, momentum: 0.9),
    };

    private static (string Name, Variable Value)[] NewParameters(ulong seed)
    {
        var rng = new Rng(seed);
        var w = Tensor.Uninitialized(3, 4);
        var b = Tensor.Uninitialized(4);
        rng.FillNormal(w.Span);
        rng.FillNormal(b.Span);
        return [("w", Variable.Parameter(w)), ("b", Variable.Parameter(b))];
    }

    // Gradients depend on the parameters and on the step, so a wrong resume shows up.
    private static void SetGradients((string Name, Variable Value)[] ps, int t)
    {
        var rng = new Rng((ulong)t);
        foreach (var (_, p) in ps)
        {
            p.ZeroGrad();
            var g = Tensor.Uninitialized(p.Shape);
            rng.FillNormal(g.Span);
            var v = p.Value.Span;
            var gs = g.Span;
            for (int i = 0; i < gs.Length; i++)
            {
                gs[i] += 0.5f * v[i];
            }

            p.AccumulateGradOwned(g);
        }
    }

    private static void RunAgainstReference(Func<(string Name, Variable Value)[], Optimizer> create, int slots, ReferenceStep reference)
    {
        var rng = new Rng(5);
        var init = new float[7];
        rng.FillNormal(init);
        var p = Variable.Parameter(Tensor.FromArray(init, 7));
        var opt = create([("p", p)]);
        var theta = new double[7];
        for (int i = 0; i < 7; i++)
        {
            theta[i] = init[i];
        }

        var state = new double[slots][];
        for (int s = 0; s < slots; s++)
        {
            state[s] = new double[7];
        }

        for (int t = 1; t <= Steps; t++)
        {
            var g = new float[7];
            rng.FillNormal(g);
            p.ZeroGrad();
            p.AccumulateGrad(Tensor.FromArray(g, 7));
            opt.Step();
            var gd = new double[7];
            for (int i = 0; i < 7; i++)
            {
                gd[i] = g[i];
            }

            reference(theta, gd, state, t);
            for (int i = 0; i < 7; i++)
            {
                Assert.True(Math.Abs(p.Value.Span[i] - theta[i]) < 2e-6 * (1 + Math.Abs(theta[i])), $"step {t}, element {i}: {p.Value.Span[i]} vs reference {theta[i]}");
            }
        }
    }
}
