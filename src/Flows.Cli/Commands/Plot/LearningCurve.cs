using System.Text.Json;

namespace Flows.Cli.Commands.Plot;

/// <summary>A run's evaluations (or smoothed training losses) against steps, or the mean and range of several runs' at their common steps.</summary>
internal sealed record LearningCurve(string Metric, long[] Steps, double[] Mean, double[] Low, double[] High)
{
    /// <summary>The test evaluations of a run folder's metrics.jsonl, or its training losses in windows of ~1% of the steps; one point per step (the last written).</summary>
    public static LearningCurve Read(string runFolder, bool train)
    {
        var points = new SortedDictionary<long, double>();
        string metric = "bpd";
        foreach (string line in File.ReadLines(Path.Combine(runFolder, "metrics.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue; // a torn last line of a killed run
            }

            if (e.GetProperty("kind").GetString() != (train ? "train" : "test") || e.GetProperty("value").ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            metric = e.GetProperty("metric").GetString() ?? metric;
            points[e.GetProperty("step").GetInt64()] = e.GetProperty("value").GetDouble();
        }

        var steps = points.Keys.ToArray();
        var values = points.Values.ToArray();
        if (train && steps.Length > 100)
        {
            int window = steps.Length / 100;
            steps = [.. Enumerable.Range(0, steps.Length / window).Select(i => steps[((i + 1) * window) - 1])];
            values = [.. Enumerable.Range(0, steps.Length).Select(i => values.Skip(i * window).Take(window).Average())];
        }

        return new LearningCurve(metric, steps, values, values, values);
    }

    /// <summary>Mean, lowest and highest value over the runs at every step all of them have.</summary>
    public static LearningCurve Combine(IReadOnlyList<LearningCurve> runs)
    {
        var common = runs.Select(r => r.Steps.AsEnumerable()).Aggregate((a, b) => a.Intersect(b)).Order().ToArray();
        var mean = new double[common.Length];
        var low = new double[common.Length];
        var high = new double[common.Length];
        for (int i = 0; i < common.Length; i++)
        {
            var at = runs.Select(r => r.Mean[Array.IndexOf(r.Steps, common[i])]).ToArray();
            mean[i] = at.Average();
            low[i] = at.Min();
            high[i] = at.Max();
        }

        return new LearningCurve(runs[0].Metric, common, mean, low, high);
    }
}
