using Flows.Data;
using Flows.Kernels;
using Flows.Models;
using Flows.Optim;
using Flows.Training;

namespace Flows.Tests.Training;

/// <summary>The trainer's handling of steps whose loss or gradient is not finite.</summary>
public sealed class TrainerTests
{
    private static (Trainer Trainer, FlowModel Model) Make(float[] points, int batch)
    {
        var model = VectorFlows.RealNvp(2, 2, 8, 1, new Rng(3));
        var split = new PointSplit(points, 2);
        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-2);
        var trainer = new Trainer(model, optimizer, null, split, Objective.NegativeLogLikelihood(2), new BatchOrder(split.Count, batch, 4), new Rng(5));
        return (trainer, model);
    }

    private static float[] Snapshot(FlowModel model) => [.. model.NamedParameters().SelectMany(p => p.Value.Value.ToArray())];

    private static float[] Points(int n, ulong seed)
    {
        var p = new float[2 * n];
        new Rng(seed).FillNormal(p);
        return p;
    }

    [Fact]
    public void A_non_finite_batch_is_skipped_and_training_goes_on()
    {
        // Batches of 4 in a fixed order; poison one point, so exactly one batch per epoch has a NaN loss.
        var points = Points(16, 1);
        points[6] = float.NaN;
        var (trainer, model) = Make(points, 4);
        int skipped = 0, updated = 0;
        for (int i = 0; i < 8; i++)
        {
            var before = Snapshot(model);
            var result = trainer.Step();
            var after = Snapshot(model);
            if (result.Skipped)
            {
                skipped++;
                Assert.False(double.IsFinite(result.Loss));
                Assert.Equal(before, after);
            }
            else
            {
                updated++;
                Assert.True(double.IsFinite(result.GradientNorm) && result.GradientNorm > 0);
                Assert.NotEqual(before, after);
            }
        }

        Assert.Equal(2, skipped); // two epochs of four batches
        Assert.Equal(6, updated);
        Assert.Equal(2, trainer.SkippedSteps);
        Assert.Equal(8, trainer.StepCount);
        Assert.All(Snapshot(model), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_run_that_stays_non_finite_stops_with_a_clear_error_and_untouched_parameters()
    {
        var points = Points(8, 2);
        Array.Fill(points, float.PositiveInfinity, 0, 4);
        Array.Fill(points, float.NaN, 4, 12);
        var (trainer, model) = Make(points, 8);
        var initial = Snapshot(model);
        for (int i = 0; i < trainer.MaxConsecutiveSkips; i++)
        {
            Assert.True(trainer.Step().Skipped);
        }

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step());
        Assert.Contains("diverged", e.Message, StringComparison.Ordinal);
        Assert.Contains("--lr", e.Message, StringComparison.Ordinal);
        Assert.Equal(initial, Snapshot(model));
    }
}
