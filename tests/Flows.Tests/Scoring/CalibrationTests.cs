using Flows.Scoring;

namespace Flows.Tests.Scoring;

/// <summary>Calibrated thresholds keep their false-positive rate on fresh in-distribution data.</summary>
public sealed class CalibrationTests
{
    [Theory]
    [InlineData(0.01)]
    [InlineData(0.05)]
    public void A_threshold_from_held_out_scores_keeps_its_rate_on_fresh_scores(double rate)
    {
        var rng = new Rng(4);
        double[] heldOut = [.. Enumerable.Range(0, 2000).Select(_ => rng.NextNormal())];
        var calibration = Calibration.Fit(heldOut, ScoreKind.Likelihood, [0.01, 0.05]);
        double threshold = calibration.Threshold(rate);

        // The threshold's true exceedance probability under N(0, 1), and the observed one on 100,000 fresh scores.
        double exceed = 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(threshold / Math.Sqrt(2));
        int fresh = 100_000, flagged = 0;
        for (int i = 0; i < fresh; i++)
        {
            flagged += rng.NextNormal() > threshold ? 1 : 0;
        }

        // With 2,000 held-out scores the threshold's own rate varies by about sqrt(rate / 2000); allow 4 such deviations.
        double spread = 4 * Math.Sqrt(rate * (1 - rate) / 2000);
        Assert.InRange(exceed, rate - spread, rate + spread);
        Assert.InRange(flagged / (double)fresh, exceed - (4 * Math.Sqrt(exceed / fresh)), exceed + (4 * Math.Sqrt(exceed / fresh)));
    }

    [Fact]
    public void The_threshold_is_the_conformal_rank_and_survives_json()
    {
        double[] scores = [.. Enumerable.Range(1, 99).Select(i => (double)i)];
        var c = Calibration.Fit(scores, ScoreKind.InputComplexity, [0.05, 0.001], "test");
        Assert.Equal(new[] { 0.001, 0.05 }, c.FalsePositiveRates);
        Assert.Equal(95, c.Threshold(0.05)); // ⌈100 · 0.95⌉ = 95th smallest
        Assert.Equal(double.PositiveInfinity, c.Threshold(0.001)); // 99 scores cannot promise 0.1%
        var back = Calibration.FromJson(c.ToJson(), "x");
        Assert.Equal(c.Thresholds, back.Thresholds);
        Assert.Equal("input-complexity", back.Score);
        Assert.Throws<ArgumentException>(() => c.Threshold(0.02));
        Assert.Throws<ArgumentException>(() => Calibration.Fit(scores, ScoreKind.Likelihood, [1.5]));
        Assert.Throws<ArgumentException>(() => Calibration.Fit([1, double.NaN], ScoreKind.Likelihood, [0.1]));
        Assert.Throws<InvalidDataException>(() => Calibration.FromJson("{\"score\": \"bogus\", \"falsePositiveRates\": [0.1], \"thresholds\": [1]}", "x"));
    }
}
