using Flows.Autodiff;
using Flows.NN;

namespace Flows.Tests.NN;

internal static class NNTestHelpers
{
    public static List<Variable> ParameterList(Module m)
    {
        var list = new List<Variable>();
        foreach (var p in m.Parameters())
        {
            list.Add(p);
        }

        return list;
    }

    public static List<string> ParameterNames(Module m)
    {
        var list = new List<string>();
        foreach (var (name, _) in m.NamedParameters())
        {
            list.Add(name);
        }

        return list;
    }

    /// <summary>Back-propagates Σ w·y with random w and asserts every parameter got a gradient that is not all zero.</summary>
    public static void AssertEveryParameterGetsAGradient(Module m, Variable y)
    {
        m.ZeroGrad();
        var seed = Tensor.Uninitialized(y.Shape);
        new Flows.Rng(77).FillUniform(seed.Span, -1f, 1f);
        y.Backward(seed);
        foreach (var (name, p) in m.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} received no gradient.");
            bool any = false;
            foreach (float g in p.Grad!.Span)
            {
                Assert.True(float.IsFinite(g), $"{name} has a non-finite gradient.");
                any |= g != 0f;
            }

            Assert.True(any, $"{name}'s gradient is all zero.");
        }
    }
}
