using Flows.Data;
using Flows.Models;
using Flows.Optim;
using Flows.Training;

namespace Flows.Tests.Training;

/// <summary>The divergence guard: spikes against the recent median, troubles in a span, snapshot and rollback.</summary>
public sealed class DivergenceGuardTests
{
    [Fact]
    public void A_spike_is_a_loss_far_above_the_recent_median_and_only_once_there_is_history()
    {
        var guard = new DivergenceGuard { MinimumHistory = 5, AbsoluteTolerance = 0.5, RelativeTolerance = 0.5 };
        Assert.False(guard.IsSpike(100)); // no history yet
        foreach (double loss in new[] { 2.0, 2.1, 1.9, 2.0, 2.2 })
        {
            guard.Good(loss);
        }

        Assert.Equal(2.0, guard.RecentMedian);
        Assert.False(guard.IsSpike(2.9)); // median + max(0.5, 1.0) = 3.0
        Assert.True(guard.IsSpike(3.1));
        Assert.False(guard.IsSpike(double.NaN)); // non-finite losses are the trainer's to skip, not spikes
    }

    [Fact]
    public void Troubles_count_only_within_the_span()
    {
        var guard = new DivergenceGuard { TroubleLimit = 3, TroubleSpan = 10 };
        Assert.False(guard.Trouble(1));
        Assert.False(guard.Trouble(5));
        Assert.False(guard.Trouble(12)); // step 1 has left the span (12 - 10 = 2 > 1)
        Assert.True(guard.Trouble(14)); // 5, 12, 14
        Assert.False(guard.IsCalm(20));
        Assert.True(guard.IsCalm(24));
    }

    [Fact]
    public void A_diverging_run_is_rolled_back_to_its_last_good_state_with_half_the_learning_rate()
    {
        var points = new float[2 * 256];
        new Rng(1).FillNormal(points);
        var split = new PointSplit(points, 2);
        var model = VectorFlows.RealNvp(2, 2, 8, 1, new Rng(3));
        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-2);
        var trainer = new Trainer(model, optimizer, null, split, Objective.NegativeLogLikelihood(2), new BatchOrder(split.Count, 32, 4), new Rng(5))
        {
            Guard = new DivergenceGuard { SnapshotEvery = 10 },
        };

        float[] atTwenty = [];
        for (int i = 0; i < 25; i++)
        {
            var r = trainer.Step();
            Assert.False(r.Skipped);
            if (r.Step == 20)
            {
                atTwenty = Parameters(model);
            }
        }

        Assert.Equal(20, trainer.Guard.SnapshotStep);

        // Every point far out: each loss is now far above the recent median.
        for (int i = 0; i < points.Length; i++)
        {
            points[i] *= 50;
        }

        var beforeSpikes = Parameters(model);
        var first = trainer.Step();
        Assert.True(first.Spike && first.Skipped);
        Assert.Null(first.RolledBackTo);
        Assert.Equal(beforeSpikes, Parameters(model)); // a spike is not applied
        Assert.True(trainer.Step().Spike);
        var third = trainer.Step();
        Assert.True(third.Spike);
        Assert.Equal(20, third.RolledBackTo);
        Assert.Equal(atTwenty, Parameters(model));
        Assert.Equal(0.5, trainer.LearningRateFactor);
        Assert.Equal(1, trainer.Rollbacks);
        Assert.Equal(3, trainer.SkippedSteps);
        Assert.Equal(20, optimizer.StepCount); // the optimizer's state went back too

        // Back to normal data, training continues at half the rate.
        for (int i = 0; i < points.Length; i++)
        {
            points[i] /= 50;
        }

        var next = trainer.Step();
        Assert.False(next.Skipped);
        Assert.Equal(0.5e-2, next.LearningRate, 12);
    }

    [Fact]
    public void A_run_that_keeps_diverging_after_every_rollback_stops_with_a_clear_error()
    {
        var points = new float[2 * 64];
        new Rng(1).FillNormal(points);
        var split = new PointSplit(points, 2);
        var model = VectorFlows.RealNvp(2, 2, 8, 1, new Rng(3));
        var trainer = new Trainer(model, new Adam(model.NamedParameters(), learningRate: 1e-2), null, split, Objective.NegativeLogLikelihood(2), new BatchOrder(split.Count, 16, 4), new Rng(5))
        {
            Guard = new DivergenceGuard { SnapshotEvery = 10 },
            MaxRollbacks = 2,
        };
        for (int i = 0; i < 30; i++)
        {
            trainer.Step();
        }

        for (int i = 0; i < points.Length; i++)
        {
            points[i] *= 50;
        }

        var e = Assert.Throws<TrainingDivergedException>(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                trainer.Step();
            }
        });
        Assert.Contains("after 2 rollbacks", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.25, trainer.LearningRateFactor);
    }

    private static float[] Parameters(FlowModel model) => [.. model.NamedParameters().SelectMany(p => p.Value.Value.ToArray())];
}
