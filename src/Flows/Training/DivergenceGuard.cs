using Flows.Checkpoints;
using Flows.Models;
using Flows.Optim;

namespace Flows.Training;

/// <summary>
/// Watches a run's losses and keeps a copy of its last good state, so that a run that starts to diverge
/// is rolled back instead of trained through. A step's loss is a <em>spike</em> when it exceeds the median of
/// the last <see cref="Window"/> finite losses by more than max(<see cref="AbsoluteTolerance"/>,
/// <see cref="RelativeTolerance"/>·|median|); such a step is not applied. A spike or a non-finite step is
/// <em>trouble</em>; <see cref="TroubleLimit"/> troubles within <see cref="TroubleSpan"/> steps are a divergence:
/// parameters, buffers and optimizer state go back to the last good snapshot and the learning rate is
/// multiplied by <see cref="RateFactorOnRollback"/>. A snapshot is taken every <see cref="SnapshotEvery"/>
/// steps when the last <see cref="TroubleSpan"/> steps were free of trouble.
/// </summary>
public sealed class DivergenceGuard
{
    private readonly Queue<double> _recent = new();
    private readonly Queue<long> _troubles = new();
    private double[] _sorted = [];
    private double _median = double.NaN;
    private Snapshot? _good;

    /// <summary>Finite losses the reference median is taken over.</summary>
    public int Window { get; init; } = 100;

    /// <summary>Losses needed before spikes are looked for.</summary>
    public int MinimumHistory { get; init; } = 20;

    /// <summary>A spike exceeds the median by at least this much (in the loss's unit: bits/dim or nats).</summary>
    public double AbsoluteTolerance { get; init; } = 0.5;

    /// <summary>A spike exceeds the median by at least this fraction of it.</summary>
    public double RelativeTolerance { get; init; } = 0.5;

    /// <summary>Troubled steps within <see cref="TroubleSpan"/> steps that make a divergence.</summary>
    public int TroubleLimit { get; init; } = 3;

    /// <summary>The span, in steps, troubles are counted over.</summary>
    public int TroubleSpan { get; init; } = 20;

    /// <summary>Steps between snapshots of the good state.</summary>
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>The learning-rate multiplier applied at every rollback.</summary>
    public double RateFactorOnRollback { get; init; } = 0.5;

    /// <summary>The step of the last good snapshot (−1 when there is none).</summary>
    public long SnapshotStep => _good?.Step ?? -1;

    /// <summary>The median of the recent finite losses (NaN before any); kept up to date by <see cref="Good"/>.</summary>
    public double RecentMedian => _median;

    /// <summary>Whether <paramref name="loss"/> is far above the recent losses (never before <see cref="MinimumHistory"/> of them).</summary>
    public bool IsSpike(double loss)
    {
        if (_recent.Count < MinimumHistory || !double.IsFinite(loss))
        {
            return false;
        }

        double median = _median;
        return loss > median + Math.Max(AbsoluteTolerance, RelativeTolerance * Math.Abs(median));
    }

    /// <summary>Records an applied step with a finite loss.</summary>
    public void Good(double loss)
    {
        _recent.Enqueue(loss);
        while (_recent.Count > Window)
        {
            _recent.Dequeue();
        }

        // Once per applied step, into a buffer reused from step to step.
        if (_sorted.Length < _recent.Count)
        {
            _sorted = new double[Window];
        }

        int n = _recent.Count;
        _recent.CopyTo(_sorted, 0);
        Array.Sort(_sorted, 0, n);
        _median = n % 2 == 1 ? _sorted[n / 2] : 0.5 * (_sorted[(n / 2) - 1] + _sorted[n / 2]);
    }

    /// <summary>Records a troubled step (a spike or a non-finite step) and says whether the run now counts as diverging.</summary>
    public bool Trouble(long step)
    {
        _troubles.Enqueue(step);
        Forget(step);
        return _troubles.Count >= TroubleLimit;
    }

    /// <summary>Whether the last <see cref="TroubleSpan"/> steps before <paramref name="step"/> were free of trouble.</summary>
    public bool IsCalm(long step)
    {
        Forget(step);
        return _troubles.Count == 0;
    }

    /// <summary>Copies the model's parameters and buffers and the optimizer's state as the good state of <paramref name="step"/>.</summary>
    public void TakeSnapshot(long step, FlowModel model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        // Later snapshots copy into the first one's tensors: a run takes one every 100 steps.
        _good = new Snapshot(step, CopyInto(_good?.Model, Checkpoint.ModelTensors(model)), CopyInto(_good?.Optimizer, optimizer.NamedState()));
    }

    /// <summary>Puts the good state back into the model and the optimizer; false when there is none.</summary>
    public bool Restore(FlowModel model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_good is null)
        {
            return false;
        }

        int i = 0;
        foreach (var (_, value) in Checkpoint.ModelTensors(model))
        {
            _good.Model[i++].Value.Span.CopyTo(value.Span);
        }

        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in _good.Optimizer)
        {
            state[name] = value;
        }

        optimizer.LoadState(state);
        _troubles.Clear();
        return true;
    }

    private void Forget(long step)
    {
        while (_troubles.Count > 0 && _troubles.Peek() <= step - TroubleSpan)
        {
            _troubles.Dequeue();
        }
    }

    private static (string Name, Tensor Value)[] CopyInto((string Name, Tensor Value)[]? previous, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        var list = new List<(string, Tensor)>();
        int i = 0;
        foreach (var (name, value) in tensors)
        {
            if (previous is not null && i < previous.Length && previous[i].Name == name && previous[i].Value.SameShape(value))
            {
                value.Span.CopyTo(previous[i].Value.Span);
                list.Add(previous[i]);
            }
            else
            {
                list.Add((name, Tensor.FromArray(value.Span, value.Shape)));
            }

            i++;
        }

        return [.. list];
    }

    private sealed record Snapshot(long Step, (string Name, Tensor Value)[] Model, (string Name, Tensor Value)[] Optimizer);
}
