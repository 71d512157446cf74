using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Tests.Models;

namespace Flows.Tests.Bijectors;

public sealed class NiceBijectorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Additive_coupling_satisfies_the_contract_and_is_volume_preserving(int parity)
    {
        var rng = new Rng(11);
        var coupling = Couplings.NiceVector(5, parity, 8, 2, rng);
        TwoDTraining.Randomize(coupling, rng);
        var x = BijectorContract.RandomInput(rng, 3, 5);
        BijectorContract.Check(coupling, x);

        var (z, logDet) = coupling.Forward(Variable.Constant(x));
        Assert.All(logDet.Value.ToArray(), v => Assert.Equal(0f, v));
        float maxChange = 0;
        for (int s = 0; s < 3; s++)
        {
            for (int j = 0; j < 5; j++)
            {
                float change = Math.Abs(z.Value[s, j] - x[s, j]);
                if (j % 2 == parity)
                {
                    Assert.Equal(0f, change);
                }

                maxChange = Math.Max(maxChange, change);
            }
        }

        Assert.True(maxChange > 1e-2f, "The randomised coupling should move the transformed features.");
    }

    [Fact]
    public void Additive_coupling_shift_depends_only_on_the_kept_features()
    {
        var rng = new Rng(12);
        var coupling = Couplings.NiceVector(4, 0, 8, 2, rng);
        TwoDTraining.Randomize(coupling, rng);
        var x = BijectorContract.RandomInput(rng, 1, 4);
        var (z1, _) = coupling.Forward(Variable.Constant(x.Clone()));
        var moved = x.Clone();
        moved[0, 1] += 1f;
        moved[0, 3] -= 2f;
        var (z2, _) = coupling.Forward(Variable.Constant(moved));

        // Changing the transformed features shifts them by exactly the same amount: the shift m(x_A) is unchanged.
        Assert.Equal(z1.Value[0, 1] + 1f, z2.Value[0, 1], 1e-5);
        Assert.Equal(z1.Value[0, 3] - 2f, z2.Value[0, 3], 1e-5);
    }

    [Fact]
    public void Diagonal_scaling_satisfies_the_contract_with_log_det_sum_of_log_scales()
    {
        var rng = new Rng(13);
        var scaling = new DiagonalScaling(2, 3);
        rng.FillNormal(scaling.LogScale.Value.Span, 0f, 0.7f);
        var x = BijectorContract.RandomInput(rng, 4, 2, 3);
        BijectorContract.Check(scaling, x);

        var (_, logDet) = scaling.Forward(Variable.Constant(x));
        double expected = 0;
        foreach (float s in scaling.LogScale.Value.Span)
        {
            expected += s;
        }

        Assert.All(logDet.Value.ToArray(), v => Assert.Equal(expected, v, 4));
    }
}
