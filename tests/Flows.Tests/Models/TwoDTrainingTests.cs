using Flows.Data;
using Flows.Models;

namespace Flows.Tests.Models;

public sealed class TwoDTrainingTests
{
    // Neighbouring centres are 2·2·sin(π/8) ≈ 1.5 = 3σ apart: eight distinct modes with some overlap,
    // which a small flow fits to within a few hundredths of a nat in a thousand steps.
    private const double Radius = 2.0;
    private const double Std = 0.5;

    [Theory]
    [InlineData("realnvp")]
    [InlineData("glow")]
    public void Flow_trained_on_eight_gaussians_comes_within_a_tenth_of_a_nat_of_the_true_density(string kind)
    {
        var rng = new Rng(81);
        var model = kind == "realnvp"
            ? VectorFlows.RealNvp(2, couplings: 6, hiddenFeatures: 32, hiddenLayers: 2, rng)
            : VectorFlows.Glow(2, steps: 6, hiddenFeatures: 64, hiddenLayers: 2, rng);
        var train = ToyData.EightGaussians(20000, rng, Radius, Std);
        var test = ToyData.EightGaussians(5000, new Rng(82), Radius, Std);
        double trueNll = -ToyData.EightGaussiansLogDensity(test, Radius, Std).Average();

        // The criterion can fail: the untrained flow (near a standard normal) is far from the truth.
        Assert.True(TwoDTraining.MeanNll(model, test) - trueNll > 0.5);
        TwoDTraining.Train(model, train, steps: 1000, batch: 256, learningRate: 5e-3, rng);

        double modelNll = TwoDTraining.MeanNll(model, test);
        Console.WriteLine($"{kind}: test NLL {modelNll:F4}, true {trueNll:F4}, gap {modelNll - trueNll:F4}");
        Assert.True(modelNll - trueNll < 0.1, $"{kind}: test NLL {modelNll} vs the true density's {trueNll}");
    }

    [Theory]
    [InlineData("moons", "realnvp")]
    [InlineData("rings", "glow")]
    [InlineData("checkerboard", "nice")]
    public void Training_lowers_the_nll_clearly_below_the_untrained_value(string dataSet, string kind)
    {
        var rng = new Rng(83);
        var model = TwoDDensityTests.Build(kind, rng);
        var train = ToyData.Sample(dataSet, 5000, rng);
        var test = ToyData.Sample(dataSet, 2000, new Rng(84));

        // Untrained: couplings at the identity and ActNorm not yet initialised, so the model is a fixed linear map of N(0, I).
        double untrained = TwoDTraining.MeanNll(model, test);
        TwoDTraining.Train(model, train, steps: 300, batch: 128, learningRate: 5e-3, rng);
        double trained = TwoDTraining.MeanNll(model, test);
        Console.WriteLine($"{dataSet}/{kind}: test NLL {untrained:F3} → {trained:F3}");
        Assert.True(trained < untrained - 0.5, $"{dataSet}/{kind}: test NLL {untrained} → {trained}");
    }
}
