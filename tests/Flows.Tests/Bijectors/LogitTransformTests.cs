using Flows.Autodiff;
using Flows.Bijectors;

namespace Flows.Tests.Bijectors;

public sealed class LogitTransformTests
{
    [Theory]
    [InlineData(0.05f)]
    [InlineData(1e-6f)]
    public void Satisfies_the_contract_on_the_unit_cube(float alpha)
    {
        var rng = new Rng(41);
        var logit = new LogitTransform(alpha);
        var x = Tensor.Zeros(3, 2, 2);
        rng.FillUniform(x.Span, 0.02f, 0.98f);

        // x outside [0, 1] is outside the domain, so no large-|x| forward; large |z| is checked below.
        BijectorContract.Check(logit, x, largeScale: 0f);

        var big = Tensor.Zeros(2, 3);
        rng.FillNormal(big.Span, 0f, 200f);
        var (xBig, ld) = logit.Inverse(Variable.Constant(big));
        Assert.All(xBig.Value.ToArray(), v => Assert.True(v >= -alpha / (1 - (2 * alpha)) - 1e-6f && v <= 1f + (alpha / (1 - (2 * alpha))) + 1e-6f));
        Assert.All(ld.Value.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Forward_matches_the_closed_form_in_double()
    {
        const double alpha = 0.05;
        var logit = new LogitTransform((float)alpha);
        var x = Tensor.FromArray([0f, 0.25f, 0.5f, 1f], 1, 4);
        var (y, logDet) = logit.Forward(Variable.Constant(x));
        double expectedLogDet = 0;
        for (int i = 0; i < 4; i++)
        {
            double p = alpha + ((1 - (2 * alpha)) * x.Span[i]);
            Assert.Equal(Math.Log(p / (1 - p)), y.Value.Span[i], 1e-5);
            expectedLogDet += Math.Log(1 - (2 * alpha)) - Math.Log(p) - Math.Log(1 - p);
        }

        Assert.Equal(expectedLogDet, logDet.Value.Span[0], 1e-4);
    }

    [Fact]
    public void With_an_offset_maps_centred_data_as_the_unit_cube_and_keeps_the_contract()
    {
        var rng = new Rng(42);
        var centred = new LogitTransform(0.05f, offset: 0.5f);
        var plain = new LogitTransform(0.05f);
        var x = Tensor.Zeros(3, 2, 2);
        rng.FillUniform(x.Span, -0.48f, 0.48f);
        BijectorContract.Check(centred, x, largeScale: 0f);

        var shifted = x.Clone();
        for (int i = 0; i < shifted.Length; i++)
        {
            shifted.Span[i] += 0.5f;
        }

        var (y, logDet) = centred.Forward(Variable.Constant(x));
        var (yPlain, logDetPlain) = plain.Forward(Variable.Constant(shifted));
        for (int i = 0; i < y.Value.Length; i++)
        {
            Assert.Equal(yPlain.Value.Span[i], y.Value.Span[i], 1e-5f);
        }

        // A shift has a unit Jacobian, so the log-determinant is the unshifted one.
        for (int i = 0; i < logDet.Value.Length; i++)
        {
            Assert.Equal(logDetPlain.Value.Span[i], logDet.Value.Span[i], 1e-4f);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new LogitTransform(0.05f, float.NaN));
    }
}
