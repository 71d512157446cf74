namespace Flows.Scoring;

/// <summary>
/// How well a score separates in-distribution examples from anomalies, higher scores meaning "more anomalous":
/// AUROC, average precision with the anomalies as the positive class (AUPR), and the false-positive rate at
/// 95% true-positive rate in the out-of-distribution literature's sense (Liang et al. 2018): the fraction of
/// anomalies accepted when the threshold accepts 95% of in-distribution examples.
/// </summary>
public static class OodMetrics
{
    /// <summary>P(anomaly score > in-distribution score) + ½ P(tie), over all pairs (Mann-Whitney U / (n·m)).</summary>
    public static double Auroc(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores)
    {
        Check(inScores, outScores);
        var all = inScores.Select(s => (Score: s, Out: false)).Concat(outScores.Select(s => (Score: s, Out: true))).OrderBy(p => p.Score).ToArray();
        double rankSumOut = 0;
        int i = 0;
        while (i < all.Length)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                j++;
            }

            double midRank = (i + j + 1) / 2.0; // ranks i+1 … j, averaged over the tie
            for (int k = i; k < j; k++)
            {
                if (all[k].Out)
                {
                    rankSumOut += midRank;
                }
            }

            i = j;
        }

        double m = outScores.Count, n = inScores.Count;
        return (rankSumOut - (m * (m + 1) / 2)) / (m * n);
    }

    /// <summary>Average precision, anomalies positive: Σ over thresholds (recall step) × precision, ties taken together (scikit-learn's definition).</summary>
    public static double AveragePrecision(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores)
    {
        Check(inScores, outScores);
        var all = inScores.Select(s => (Score: s, Out: false)).Concat(outScores.Select(s => (Score: s, Out: true))).OrderByDescending(p => p.Score).ToArray();
        double ap = 0, truePositives = 0, seen = 0, previousRecall = 0;
        int i = 0;
        while (i < all.Length)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                truePositives += all[j].Out ? 1 : 0;
                seen++;
                j++;
            }

            double recall = truePositives / outScores.Count;
            ap += (recall - previousRecall) * (truePositives / seen);
            previousRecall = recall;
            i = j;
        }

        return ap;
    }

    /// <summary>
    /// The fraction of anomalies scored at or below the threshold that accepts (score ≤ threshold) a fraction
    /// <paramref name="tpr"/> of the in-distribution examples (the smallest such threshold).
    /// </summary>
    public static double FalsePositiveRateAt(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores, double tpr = 0.95)
    {
        Check(inScores, outScores);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tpr);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tpr, 1);
        var sorted = inScores.Order().ToArray();
        double threshold = sorted[Math.Max(0, (int)Math.Ceiling(tpr * sorted.Length) - 1)];
        return outScores.Count(s => s <= threshold) / (double)outScores.Count;
    }

    /// <summary>The ROC curve (false-positive rate, true-positive rate), anomalies positive, one point per distinct score.</summary>
    public static IReadOnlyList<(double Fpr, double Tpr)> RocCurve(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores)
    {
        Check(inScores, outScores);
        var all = inScores.Select(s => (Score: s, Out: false)).Concat(outScores.Select(s => (Score: s, Out: true))).OrderByDescending(p => p.Score).ToArray();
        var curve = new List<(double, double)> { (0, 0) };
        double tp = 0, fp = 0;
        int i = 0;
        while (i < all.Length)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                if (all[j].Out)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                j++;
            }

            curve.Add((fp / inScores.Count, tp / outScores.Count));
            i = j;
        }

        return curve;
    }

    private static void Check(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores)
    {
        ArgumentNullException.ThrowIfNull(inScores);
        ArgumentNullException.ThrowIfNull(outScores);
        if (inScores.Count == 0 || outScores.Count == 0)
        {
            throw new ArgumentException($"Both sets need scores: {inScores.Count} in-distribution, {outScores.Count} anomalies.");
        }

        if (inScores.Any(double.IsNaN) || outScores.Any(double.IsNaN))
        {
            throw new ArgumentException("A score is NaN.");
        }
    }
}
