using Flows.Data;
using Flows.Models;

namespace Flows.Tests.Models;

public sealed class TwoDDensityTests
{
    public static TheoryData<string> Models => ["nice", "realnvp", "realnvp-batchnorm", "glow"];

    internal static SingleScaleFlow Build(string kind, Rng rng) => kind switch
    {
        "nice" => VectorFlows.Nice(2, 4, 32, 2, rng),
        "realnvp" => VectorFlows.RealNvp(2, 6, 32, 2, rng),
        "realnvp-batchnorm" => VectorFlows.RealNvp(2, 6, 32, 2, rng, batchNorm: true),
        "glow" => VectorFlows.Glow(2, 4, 32, 2, rng),
        _ => throw new ArgumentException(kind, nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Briefly_trained_density_integrates_to_one(string kind)
    {
        var rng = new Rng(71);
        var model = Build(kind, rng);
        var data = ToyData.EightGaussians(2000, rng);
        TwoDTraining.Train(model, data, steps: 150, batch: 128, learningRate: 5e-3, rng);

        // The data lie within radius 2 + 4σ = 4; a trained flow puts negligible mass beyond 8, and at cells of 0.04 the midpoint rule errs far below 1e-3 for blobs of σ = 0.5.
        double mass = TwoDTraining.GridMass(model, range: 8, h: 0.04);
        Assert.True(Math.Abs(mass - 1) < 0.01, $"{kind}: ∫ p = {mass}");
    }
}
