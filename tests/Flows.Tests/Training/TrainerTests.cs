using Flows.Data;
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

    [Fact]
    public void A_step_whose_memory_efficient_gradient_is_not_finite_is_redone_with_ordinary_backprop()
    {
        // A tiny Glow whose second coupling outputs s = -100: its scale sigmoid(s + 2) underflows, so the
        // forward sets that half to 0 and cannot be inverted in float; ordinary backprop is still finite.
        var model = (MultiScaleFlow)Glow.Create(GlowConfig.Benchmark with { DataShape = [1, 8, 8], Levels = 1, StepsPerLevel = 2, Hidden = 8 }, new Rng(7));
        var bias = model.NamedParameters().Single(p => p.Name == "level0.step1.coupling.zeroconv.bias").Value.Value.Span;
        for (int c = 1; c < bias.Length; c += 2)
        {
            bias[c] = -100f;
        }

        var points = new float[64 * 8];
        new Rng(2).FillUniform(points);
        for (int i = 0; i < points.Length; i++)
        {
            points[i] -= 0.5f;
        }

        var split = new PointSplit(points, 64);
        var objective = Objective.NegativeLogLikelihood(64);
        var optimizer = new Adam(model.NamedParameters(), learningRate: 1e-3);

        // The premise: on this batch the reversible gradient is NaN and the ordinary one is finite.
        var x = Flows.Autodiff.Variable.Constant(model.ToModelShape(split.Batch(new BatchOrder(split.Count, 8, 4).Indices(0), null)));
        model.Training = true;
        double Norm(bool memoryEfficient)
        {
            model.MemoryEfficientBackprop = memoryEfficient;
            optimizer.ZeroGrad();
            var loss = objective.Loss(model.LogProb(x));
            loss.Backward();
            double norm = GradientClipping.GlobalNorm(optimizer.Parameters.Select(p => p.Value));
            loss.ReleaseGraph();
            return norm;
        }

        double ordinary = Norm(false);
        Assert.True(double.IsNaN(Norm(true)));
        Assert.True(double.IsFinite(ordinary) && ordinary > 0);
        optimizer.ZeroGrad();

        var trainer = new Trainer(model, optimizer, null, split, objective, new BatchOrder(split.Count, 8, 4), new Rng(5));
        var before = Snapshot(model);
        var result = trainer.Step();
        Assert.False(result.Skipped);
        Assert.True(result.RedoneWithOrdinaryBackprop);
        Assert.Equal(ordinary, result.GradientNorm, 5);
        Assert.Equal(1, trainer.OrdinaryBackpropSteps);
        Assert.True(model.MemoryEfficientBackprop);
        Assert.NotEqual(before, Snapshot(model));
    }

    [Fact]
    public void A_class_conditional_glow_learns_a_prior_per_label_and_refuses_unlabelled_data()
    {
        // Two classes of 8x8 images: dark (label 0) and bright (label 1).
        const int count = 64;
        var pixels = new byte[count * 64];
        var labels = new byte[count];
        var rng = new Rng(8);
        for (int n = 0; n < count; n++)
        {
            labels[n] = (byte)(n % 2);
            for (int i = 0; i < 64; i++)
            {
                pixels[(n * 64) + i] = (byte)((labels[n] == 1 ? 180 : 40) + rng.NextInt(40));
            }
        }

        var split = new ImageSplit(new ImageSet(pixels, count, 1, 8, 8, labels), new Dequantization(8));
        var model = Glow.Create(new GlowConfig { DataShape = [1, 8, 8], Levels = 1, StepsPerLevel = 1, Hidden = 4, Classes = 2 }, new Rng(9));
        var trainer = new Trainer(model, new Adam(model.NamedParameters(), learningRate: 1e-2), null, split, Objective.BitsPerDim(64), new BatchOrder(count, 16, 1), new Rng(10));
        for (int i = 0; i < 60; i++)
        {
            trainer.Step();
        }

        // Scored with its own label an image is more likely than with the other one.
        model.Training = false;
        var x = split.Batch([0, 1, 2, 3], null);
        var own = model.LogProb(Flows.Autodiff.Variable.Constant(x), Flows.Autodiff.Variable.Constant(Flows.Distributions.ClassConditionalGaussian.OneHot([0, 1, 0, 1], 2))).Value.ToArray();
        var other = model.LogProb(Flows.Autodiff.Variable.Constant(x), Flows.Autodiff.Variable.Constant(Flows.Distributions.ClassConditionalGaussian.OneHot([1, 0, 1, 0], 2))).Value.ToArray();
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(own[i] > other[i] + 1, $"image {i}: log p with its label {own[i]}, with the other {other[i]}"));

        var unlabelled = new ImageSplit(new ImageSet(pixels, count, 1, 8, 8), new Dequantization(8));
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new Adam(model.NamedParameters()), null, unlabelled, Objective.BitsPerDim(64), new BatchOrder(count, 16, 1), new Rng(10)));
        Assert.Contains("no labels", e.Message, StringComparison.Ordinal);
    }
}
