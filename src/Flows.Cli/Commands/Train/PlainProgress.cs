using System.Globalization;
using Flows.Training;

namespace Flows.Cli.Commands.Train;

/// <summary>Progress as plain lines (for redirected output and logs): every N steps or 30 seconds, and every evaluation.</summary>
internal sealed class PlainProgress(TextWriter output, int every) : ITrainingObserver
{
    private static readonly TimeSpan MaxSilence = TimeSpan.FromSeconds(30);
    private readonly System.Diagnostics.Stopwatch _sinceLine = System.Diagnostics.Stopwatch.StartNew();
    private string _metric = "bpd";
    private long? _total;

    public void Started(TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _metric = plan.Metric;
        _total = plan.TotalSteps;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"start: step {plan.StartStep}, {plan.BatchesPerEpoch} steps/epoch, stop at {(plan.TotalSteps is { } t ? $"step {t}" : "the time limit")}{(plan.Minutes is { } m ? $" or {m} min" : string.Empty)}"));
    }

    public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining)
    {
        if (result.Step % every != 0 && result.Step != 1 && _sinceLine.Elapsed < MaxSilence)
        {
            return;
        }

        _sinceLine.Restart();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {result.Step}{(_total is { } t ? $"/{t}" : string.Empty)}  {_metric} {result.Loss:0.0000}  lr {result.LearningRate:0.######}  {examplesPerSecond:0.0} ex/s{(remaining is { } r ? $"  eta {Format(r)}" : string.Empty)}"));
    }

    public void Evaluated(long stepNumber, double epochs, EvalResult result)
        => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test: step {stepNumber} (epoch {epochs:0.##})  {_metric} {result.Metric:0.0000} on {result.Count} examples"));

    public void Message(string text) => output.WriteLine(text);

    internal static string Format(TimeSpan t)
        => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s" : $"{t.Seconds}s";
}
