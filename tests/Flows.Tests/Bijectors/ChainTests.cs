using Flows.Autodiff;
using Flows.Bijectors;

namespace Flows.Tests.Bijectors;

public sealed class ChainTests
{
    /// <summary>An elementwise affine map z = x·e^a + b with random a, b: a known log-det for exercising the contract.</summary>
    private sealed class ElementwiseAffine : Bijector
    {
        private readonly Variable _logScale;
        private readonly Variable _shift;

        public ElementwiseAffine(int d, Rng rng)
        {
            var a = Tensor.Zeros(d);
            var b = Tensor.Zeros(d);
            rng.FillNormal(a.Span, 0f, 0.5f);
            rng.FillNormal(b.Span);
            _logScale = AddParameter("logScale", a);
            _shift = AddParameter("shift", b);
        }

        public override (Variable Z, Variable LogDet) Forward(Variable x)
        {
            var z = (x * Ops.Exp(_logScale)) + _shift;
            var ld = Ops.Sum(_logScale);
            return (z, Ops.Add(Variable.Constant(Tensor.Zeros(x.Shape[0])), ld));
        }

        public override (Variable X, Variable LogDet) Inverse(Variable z)
        {
            var x = (z - _shift) * Ops.Exp(-_logScale);
            var ld = -Ops.Sum(_logScale);
            return (x, Ops.Add(Variable.Constant(Tensor.Zeros(z.Shape[0])), ld));
        }
    }

    [Fact]
    public void Chain_of_affine_maps_satisfies_the_contract_and_sums_log_dets()
    {
        var rng = new Rng(7);
        var first = new ElementwiseAffine(5, rng);
        var second = new ElementwiseAffine(5, rng);
        var chain = new Chain(first, new InverseBijector(second));
        BijectorContract.Check(chain, BijectorContract.RandomInput(rng, 3, 5));

        var x = Variable.Constant(BijectorContract.RandomInput(rng, 2, 5));
        var (_, ld) = chain.Forward(x);
        var (_, ld1) = first.Forward(x);
        var (_, ld2) = second.Forward(x);
        Assert.Equal(ld1.Value.Span[0] - ld2.Value.Span[0], ld.Value.Span[0], 4);
    }

    [Fact]
    public void Contract_rejects_a_wrong_log_det()
    {
        var rng = new Rng(3);
        var wrong = new Chain(new ElementwiseAffine(4, rng), new ElementwiseAffine(4, rng), new ElementwiseAffine(4, rng));
        // Forward through two of them but report log-dets for three: the inverse keeps consistent; the brute force must object.
        var liar = new InverseBijector(new InverseBijector(new LyingBijector(wrong)));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => BijectorContract.Check(liar, BijectorContract.RandomInput(rng, 2, 4)));
    }

    private sealed class LyingBijector(Bijector inner) : Bijector
    {
        public override (Variable Z, Variable LogDet) Forward(Variable x)
        {
            var (z, ld) = inner.Forward(x);
            return (z, ld + 0.5f);
        }

        public override (Variable X, Variable LogDet) Inverse(Variable z)
        {
            var (x, ld) = inner.Inverse(z);
            return (x, ld - 0.5f);
        }
    }
}
