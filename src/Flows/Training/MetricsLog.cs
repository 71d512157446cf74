using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flows.IO;

namespace Flows.Training;

/// <summary>metrics.jsonl (one JSON object a line, appended as training goes) and its SVG training curve.</summary>
public sealed class MetricsLog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly List<MetricsRecord> _records = [];

    /// <summary>An empty log that appends to <paramref name="path"/> (an existing file is appended to, not read).</summary>
    public MetricsLog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The file the log appends to; empty for a log kept in memory only (<see cref="InMemory"/>).</summary>
    public string Path { get; }

    /// <summary>A log that keeps its records without writing a file (the ranks of a data-parallel run other than rank 0).</summary>
    public static MetricsLog InMemory() => new();

    private MetricsLog()
    {
        Path = string.Empty;
    }

    /// <summary>Every record of the log, in order.</summary>
    public IReadOnlyList<MetricsRecord> Records => _records;

    /// <summary>
    /// Opens an existing log for a resumed run: lines after <paramref name="lastStep"/> (written after the
    /// checkpoint the run resumes from) are dropped, so the log continues exactly where the state does.
    /// </summary>
    public static MetricsLog Resume(string path, long lastStep)
    {
        var log = new MetricsLog(path);
        if (!File.Exists(path))
        {
            return log;
        }

        foreach (string line in File.ReadAllLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            MetricsRecord? r;
            try
            {
                r = JsonSerializer.Deserialize<MetricsRecord>(line, Json);
            }
            catch (JsonException)
            {
                continue; // a torn last line of a killed run
            }

            if (r is not null && r.Step <= lastStep)
            {
                log._records.Add(r);
            }
        }

        AtomicFile.WriteAllText(path, string.Concat(log._records.Select(r => JsonSerializer.Serialize(r, Json) + "\n")));
        return log;
    }

    /// <summary>Adds <paramref name="record"/> and, unless the log is in memory only, appends it to the file as one JSON line.</summary>
    public void Append(MetricsRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records.Add(record);
        if (Path.Length > 0)
        {
            File.AppendAllText(Path, JsonSerializer.Serialize(record, Json) + "\n");
        }
    }

    /// <summary>The training curve: train loss (a running mean over ~1% of the steps) and test points against steps.</summary>
    public string ToSvg(string title)
    {
        string metric = _records.Count > 0 ? _records[0].Metric : "bpd";
        var chart = new SvgChart(title, "step", metric == "bpd" ? "bits per dimension" : "negative log-likelihood (nats)");
        var train = new List<(double X, double Y)>();
        var test = new List<(double X, double Y)>();
        foreach (var r in _records)
        {
            (r.Kind == "test" ? test : train).Add((r.Step, r.Value));
        }

        chart.Add("train (batch)", Smooth(train, Math.Max(1, train.Count / 100)));
        chart.Add("test", test, markers: true);
        return chart.ToSvg();
    }

    /// <summary>Means of consecutive windows of <paramref name="window"/> points.</summary>
    private static List<(double X, double Y)> Smooth(List<(double X, double Y)> points, int window)
    {
        if (window <= 1)
        {
            return points;
        }

        var smooth = new List<(double X, double Y)>();
        for (int start = 0; start < points.Count; start += window)
        {
            int end = Math.Min(points.Count, start + window);
            double sx = 0, sy = 0;
            for (int i = start; i < end; i++)
            {
                sx += points[i].X;
                sy += points[i].Y;
            }

            smooth.Add((sx / (end - start), sy / (end - start)));
        }

        return smooth;
    }

    /// <summary>A metric value with four decimals, invariant culture (e.g. "1.0523").</summary>
    public static string Format(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
