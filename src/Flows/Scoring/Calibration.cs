using System.Text.Json;

namespace Flows.Scoring;

/// <summary>
/// Thresholds on one anomaly score at chosen false-positive rates, from held-out in-distribution scores. The
/// threshold for rate α is the ⌈(n+1)(1−α)⌉-th smallest of n held-out scores (the split-conformal rank), so a
/// fresh in-distribution example exceeds it with probability at most α.
/// </summary>
public sealed record Calibration
{
    /// <summary>The file a calibration is saved as, beside a model.</summary>
    public const string FileName = "calibration.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The name of the calibrated score (as <see cref="AnomalyScores.Name"/> writes it).</summary>
    public string Score { get; init; } = AnomalyScores.Name(ScoreKind.Likelihood);

    /// <summary>The false-positive rates, ascending.</summary>
    public double[] FalsePositiveRates { get; init; } = [];

    /// <summary>The threshold of each rate: an example whose score is above it is an outlier at that rate.</summary>
    public double[] Thresholds { get; init; } = [];

    /// <summary>Held-out examples the thresholds come from.</summary>
    public int Count { get; init; }

    /// <summary>What the held-out data were (for people reading the file).</summary>
    public string? Data { get; init; }

    /// <summary>Thresholds on <paramref name="score"/> at each false-positive rate from the held-out scores (+∞ where too few examples support the rate).</summary>
    /// <param name="heldOut">Scores of held-out in-distribution examples.</param>
    /// <param name="score">The score the values are of.</param>
    /// <param name="falsePositiveRates">Rates in (0, 1), in any order.</param>
    /// <param name="data">What the held-out data were, recorded in the file; optional.</param>
    /// <exception cref="ArgumentException">No scores, a non-finite score, no rates, or a rate outside (0, 1).</exception>
    public static Calibration Fit(IReadOnlyList<double> heldOut, ScoreKind score, IReadOnlyList<double> falsePositiveRates, string? data = null)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(falsePositiveRates);
        if (heldOut.Count == 0 || heldOut.Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException($"Calibration needs finite held-out scores; got {heldOut.Count}, {heldOut.Count(s => !double.IsFinite(s))} not finite.", nameof(heldOut));
        }

        var rates = falsePositiveRates.Order().ToArray();
        if (rates.Length == 0 || rates.Any(a => a is <= 0 or >= 1 || double.IsNaN(a)))
        {
            throw new ArgumentException($"False-positive rates must lie in (0, 1); got {string.Join(", ", falsePositiveRates)}.", nameof(falsePositiveRates));
        }

        var sorted = heldOut.Order().ToArray();
        int n = sorted.Length;
        var thresholds = rates.Select(a =>
        {
            int k = (int)Math.Ceiling((n + 1) * (1 - a));
            return k > n ? double.PositiveInfinity : sorted[k - 1];
        }).ToArray();
        return new Calibration { Score = AnomalyScores.Name(score), FalsePositiveRates = rates, Thresholds = thresholds, Count = n, Data = data };
    }

    /// <summary>The threshold at <paramref name="falsePositiveRate"/>, which must be one of the calibrated rates.</summary>
    public double Threshold(double falsePositiveRate)
    {
        int i = Array.FindIndex(FalsePositiveRates, a => Math.Abs(a - falsePositiveRate) < 1e-12);
        return i >= 0
            ? Thresholds[i]
            : throw new ArgumentException($"Not calibrated at false-positive rate {falsePositiveRate}; the calibrated rates are {string.Join(", ", FalsePositiveRates)}.", nameof(falsePositiveRate));
    }

    /// <summary>This calibration as indented camel-case JSON (the content of <see cref="FileName"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a calibration written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where it came from (a path), for error messages.</param>
    /// <exception cref="InvalidDataException">The JSON is malformed, names an unknown score, or its rates and thresholds do not match.</exception>
    public static Calibration FromJson(string json, string source)
    {
        try
        {
            var c = JsonSerializer.Deserialize<Calibration>(json, Json);
            if (c is null || c.FalsePositiveRates.Length == 0 || c.FalsePositiveRates.Length != c.Thresholds.Length)
            {
                throw new InvalidDataException($"{source} is not a calibration: it needs as many thresholds as false-positive rates.");
            }

            AnomalyScores.Parse(c.Score);
            return c;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid calibration: {IO.ErrorText.Of(e)}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }
}
