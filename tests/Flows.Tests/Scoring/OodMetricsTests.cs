using Flows.Scoring;

namespace Flows.Tests.Scoring;

/// <summary>The separation metrics against brute force over all pairs and thresholds, ties included.</summary>
public sealed class OodMetricsTests
{
    private static (double[] In, double[] Out) Scores(ulong seed, int n, int m, double shift)
    {
        var rng = new Rng(seed);
        // Rounded to 0.5 so that ties occur within and across the sets.
        double[] a = [.. Enumerable.Range(0, n).Select(_ => Math.Round(2 * rng.NextNormal()) / 2)];
        double[] b = [.. Enumerable.Range(0, m).Select(_ => Math.Round(2 * (rng.NextNormal() + shift)) / 2)];
        return (a, b);
    }

    [Theory]
    [InlineData(1UL, 50, 70, 0.0)]
    [InlineData(2UL, 200, 30, 1.0)]
    [InlineData(3UL, 13, 400, -0.7)]
    public void Auroc_is_the_pairwise_probability_and_average_precision_the_threshold_sum(ulong seed, int n, int m, double shift)
    {
        var (a, b) = Scores(seed, n, m, shift);
        double pairs = 0;
        foreach (double x in a)
        {
            foreach (double y in b)
            {
                pairs += y > x ? 1 : y == x ? 0.5 : 0;
            }
        }

        Assert.Equal(pairs / (n * m), OodMetrics.Auroc(a, b), 12);

        // Brute force: at every distinct threshold t (descending), flag score >= t; AP = Σ ΔR · P.
        double ap = 0, previousRecall = 0;
        foreach (double t in a.Concat(b).Distinct().OrderDescending())
        {
            double tp = b.Count(y => y >= t), flagged = tp + a.Count(x => x >= t);
            ap += ((tp / m) - previousRecall) * (tp / flagged);
            previousRecall = tp / m;
        }

        Assert.Equal(ap, OodMetrics.AveragePrecision(a, b), 12);

        // The ROC curve ends at (1, 1) and its trapezoid area is the AUROC.
        var roc = OodMetrics.RocCurve(a, b);
        Assert.Equal((1.0, 1.0), roc[^1]);
        double area = 0;
        for (int i = 1; i < roc.Count; i++)
        {
            area += (roc[i].Fpr - roc[i - 1].Fpr) * (roc[i].Tpr + roc[i - 1].Tpr) / 2;
        }

        Assert.Equal(OodMetrics.Auroc(a, b), area, 12);
    }

    [Fact]
    public void Fpr_at_95_tpr_counts_the_anomalies_the_threshold_of_95_percent_of_normal_data_accepts()
    {
        double[] normal = [.. Enumerable.Range(1, 100).Select(i => (double)i)]; // accepts 95 → threshold 95
        double[] anomalies = [90, 94, 95, 96, 200];
        Assert.Equal(3 / 5.0, OodMetrics.FalsePositiveRateAt(normal, anomalies), 12);
        Assert.Equal(1.0, OodMetrics.Auroc([0, 1], [2, 3]));
        Assert.Equal(0.0, OodMetrics.Auroc([2, 3], [0, 1]));
        Assert.Throws<ArgumentException>(() => OodMetrics.Auroc([], [1]));
        Assert.Throws<ArgumentException>(() => OodMetrics.Auroc([double.NaN], [1]));
    }
}
