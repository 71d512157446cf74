using System.Globalization;
using Flows.Training;
using Spectre.Console;

namespace Flows.Cli.Commands.Train;

/// <summary>Progress as a live Spectre.Console bar on a terminal: step, loss, examples/s and time left.</summary>
internal sealed class SpectreProgress : ITrainingObserver
{
    private readonly ProgressTask _task;
    private string _metric = "bpd";
    private long? _total;
    private double? _minutes;
    private string _lastTest = string.Empty;

    private SpectreProgress(ProgressTask task) => _task = task;

    public static TrainingOutcome Run(TrainingRun run, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(run);
        TrainingOutcome? outcome = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                outcome = run.Run(new SpectreProgress(task), cancellation);
                task.Value = task.MaxValue;
            });
        return outcome!;
    }

    public void Started(TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _metric = plan.Metric;
        _total = plan.TotalSteps;
        _minutes = plan.Minutes;
        _task.MaxValue = _total is { } t ? t : 1;
        _task.Value = _total is not null ? plan.StartStep : 0;
    }

    public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining)
    {
        if (_total is not null)
        {
            _task.Value = result.Step;
        }
        else if (_minutes is { } m && remaining is { } r)
        {
            _task.Value = Math.Clamp(1 - (r.TotalMinutes / m), 0, 1);
        }

        _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"step {result.Step}{(_total is { } t ? $"/{t}" : string.Empty)}  {_metric} {result.Loss:0.000}  {examplesPerSecond:0} ex/s{(remaining is { } left ? $"  eta {PlainProgress.Format(left)}" : string.Empty)}{_lastTest}"));
    }

    public void Evaluated(long stepNumber, double epochs, EvalResult result)
    {
        _lastTest = string.Create(CultureInfo.InvariantCulture, $"  test {result.Metric:0.000}");
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"test: step {stepNumber} (epoch {epochs:0.##})  {_metric} {result.Metric:0.0000} on {result.Count} examples")));
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
