using Flows.Checkpoints;
using Flows.Cli.Commands.Train;
using Flows.Data;

namespace Flows.Cli.Tests;

/// <summary>The train options reach the model that gets built.</summary>
public class TrainOptionsTests
{
    private static Dataset Images()
    {
        var set = new ImageSet(new byte[16 * 64], 16, 1, 8, 8, new byte[16]);
        return Dataset.FromImages("tiny", set, set, bits: 5);
    }

    [Theory]
    [InlineData("lu", "affine", "level0.step0.invconv.lower", "level0.step0.coupling.zeroconv.weight")]
    [InlineData("1x1", "additive", "level0.step0.invconv.weight", "level0.step0.coupling.zeroconv.weight")]
    public void GlowPermutationAndCouplingChooseTheLayers(string permutation, string coupling, string expectedName, string alsoExpected)
    {
        var config = TrainCommand.ToConfig(
            new TrainSettings { Model = "glow", Data = "tiny", Levels = 2, StepsPerLevel = 3, Hidden = 8, Permutation = permutation, Coupling = coupling, Bits = 5 },
            Images());
        Assert.Equal(new[] { 1, 8, 8 }, config.Model.DataShape);
        Assert.Equal(5, config.Data.Bits);
        var names = ModelFactory.Create(config.Model).NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains(expectedName, names);
        Assert.Contains(alsoExpected, names);
        Assert.Contains("level1.step2.actnorm.logs", names);
        Assert.DoesNotContain("level2.step0.actnorm.logs", names);
    }

    [Fact]
    public void The_scale_floor_reaches_glows_affine_couplings_and_is_refused_where_it_does_not_apply()
    {
        var glow = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 2, Hidden = 8, ScaleFloor = 0.01 }, Images());
        Assert.Equal(0.01, glow.Model.ScaleFloor);
        var model = (Flows.Models.MultiScaleFlow)ModelFactory.Create(glow.Model);
        var step = (Flows.Bijectors.Chain)model.Levels[0].Steps[1];
        Assert.Equal("coupling", step.Names[2]);
        Assert.Equal(0.01f, ((Flows.Bijectors.SigmoidAffineTransform)((Flows.Bijectors.Coupling)step.Steps[2]).Transform).ScaleFloor);

        var e = Assert.Throws<UsageException>(() => TrainCommand.ToConfig(
            new TrainSettings { Model = "realnvp", Data = "tiny", ScaleFloor = 0.01, Given = ["--scale-floor"] }, Images()));
        Assert.Contains("--scale-floor", e.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => TrainCommand.ToConfig(
            new TrainSettings { Model = "glow", Coupling = "additive", Data = "tiny", Levels = 1, ScaleFloor = 0.01, Given = ["--scale-floor"] }, Images()));

        // Not given: the default does not reach models it does not apply to.
        var realNvp = TrainCommand.ToConfig(new TrainSettings { Model = "realnvp", Data = "tiny", Levels = 1, ScaleFloor = 0.01 }, Images());
        Assert.Equal(0, realNvp.Model.ScaleFloor);
    }

    [Fact]
    public void Learn_top_gives_glow_a_learned_top_prior_and_is_refused_elsewhere()
    {
        var config = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 1, Hidden = 8, LearnTop = true }, Images());
        Assert.True(RunConfig.FromJson(config.ToJson(), "test").Model.LearnedTopPrior);
        var names = ModelFactory.Create(config.Model).NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains(names, n => n.StartsWith("top.", StringComparison.Ordinal));
        var plain = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 1, Hidden = 8 }, Images());
        Assert.DoesNotContain(ModelFactory.Create(plain.Model).NamedParameters(), p => p.Name.StartsWith("top.", StringComparison.Ordinal));
        Assert.Throws<UsageException>(() => TrainCommand.ToConfig(new TrainSettings { Model = "nice", Data = "tiny", LearnTop = true }, Images()));
    }

    [Fact]
    public void Realnvp_masks_step_norm_and_logit_reach_the_model_survive_json_and_are_refused_elsewhere()
    {
        var config = TrainCommand.ToConfig(
            new TrainSettings { Model = "realnvp", Data = "tiny", Levels = 2, Hidden = 4, HiddenLayers = 1, Masks = "checkerboard", StepNorm = "actnorm", Logit = 1e-6 }, Images());
        var back = RunConfig.FromJson(config.ToJson(), "test").Model;
        Assert.Equal(("checkerboard", "actnorm", (double?)1e-6), (back.Masks, back.StepNorm, back.LogitAlpha));
        var model = (Flows.Models.MultiScaleFlow)ModelFactory.Create(back);
        var steps = model.Levels.SelectMany(l => l.Steps).ToList();
        var logit = Assert.IsType<Flows.Bijectors.LogitTransform>(steps[0]);
        Assert.Equal((1e-6f, 0.5f), (logit.Alpha, logit.Offset));
        Assert.DoesNotContain(steps, s => s is Flows.Bijectors.BatchNormBijector);
        Assert.Contains(steps, s => s is Flows.Bijectors.ActNorm);
        Assert.All(steps.OfType<Flows.Bijectors.Coupling>(), c => Assert.Equal(Flows.Bijectors.CouplingMask.Checkerboard, ((Flows.Bijectors.BinaryMask)c.Split).Mask));

        // The defaults are the paper's model without the logit, as before these options existed.
        var plain = TrainCommand.ToConfig(new TrainSettings { Model = "realnvp", Data = "tiny", Levels = 2, Hidden = 4, HiddenLayers = 1 }, Images()).Model;
        Assert.Equal(("channel", "batchnorm", (double?)null), (plain.Masks, plain.StepNorm, plain.LogitAlpha));
        var plainSteps = ((Flows.Models.MultiScaleFlow)ModelFactory.Create(plain)).Levels.SelectMany(l => l.Steps).ToList();
        Assert.IsNotType<Flows.Bijectors.LogitTransform>(plainSteps[0]);
        Assert.Contains(plainSteps, s => s is Flows.Bijectors.BatchNormBijector);

        foreach (string option in (string[])["--masks", "--step-norm"])
        {
            var e = Assert.Throws<UsageException>(() => TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, Given = [option] }, Images()));
            Assert.Contains(option, e.Message, StringComparison.Ordinal);
        }

        Assert.Contains("--logit", Assert.Throws<UsageException>(() => TrainCommand.ToConfig(new TrainSettings { Model = "nice", Data = "tiny", Logit = 0.05, Given = ["--logit"] }, Images())).Message, StringComparison.Ordinal);

        // Glow takes the logit too, as the first step of its first level.
        var glow = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 2, StepsPerLevel = 1, Hidden = 4, Logit = 0.05 }, Images()).Model;
        var glowSteps = ((Flows.Models.MultiScaleFlow)ModelFactory.Create(glow)).Levels[0].Steps;
        Assert.Equal((0.05f, 0.5f), (((Flows.Bijectors.LogitTransform)glowSteps[0]).Alpha, ((Flows.Bijectors.LogitTransform)glowSteps[0]).Offset));
        Assert.Equal(2, glowSteps.Count);

        Assert.Contains("model.masks", Assert.Throws<InvalidDataException>(() => RunConfig.FromJson(config.ToJson().Replace("\"checkerboard\"", "\"stripes\"", StringComparison.Ordinal), "c")).Message, StringComparison.Ordinal);
        Assert.Contains("model.stepNorm", Assert.Throws<InvalidDataException>(() => RunConfig.FromJson(config.ToJson().Replace("\"actnorm\"", "\"layernorm\"", StringComparison.Ordinal), "c")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_efficient_backprop_is_chosen_by_size_unless_given_and_is_refused_where_it_does_not_apply()
    {
        var small = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 2, Hidden = 8 }, Images());
        Assert.False(small.Model.MemoryEfficientBackprop);
        var forced = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 2, Hidden = 8, MemoryEfficient = true }, Images());
        Assert.True(forced.Model.MemoryEfficientBackprop);
        Assert.True(((Flows.Models.MultiScaleFlow)ModelFactory.Create(forced.Model)).MemoryEfficientBackprop);

        // 8x8 images, K = 8, hidden 512 at batch 4096: 8 x 16 x (24 + 3072) floats x 4096 x 4 bytes = 6.5 GB estimated.
        var large = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 8, Hidden = 512, Batch = 4096 }, Images());
        Assert.True(large.Model.MemoryEfficientBackprop);

        // Over 8 MPI ranks each holds 512 of the 4096 (0.8 GB), under the 1 GiB line: ordinary backprop.
        var sharded = TrainCommand.ToConfig(new TrainSettings { Model = "glow", Data = "tiny", Levels = 1, StepsPerLevel = 8, Hidden = 512, Batch = 4096 }, Images(), ranks: 8);
        Assert.False(sharded.Model.MemoryEfficientBackprop);

        var realNvp = TrainCommand.ToConfig(new TrainSettings { Model = "realnvp", Data = "tiny", Levels = 1 }, Images());
        Assert.False(realNvp.Model.MemoryEfficientBackprop);
        var e = Assert.Throws<UsageException>(() => TrainCommand.ToConfig(
            new TrainSettings { Model = "nice", Data = "tiny", MemoryEfficient = true, Given = ["--memory-efficient"] }, Images()));
        Assert.Contains("--memory-efficient", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoLengthMeansOneEpochAndTheRunConfigSurvivesJson()
    {
        var config = TrainCommand.ToConfig(new TrainSettings { Model = "nice", Data = "tiny", StepsPerLevel = 2, Hidden = 8 }, Images());
        Assert.Equal(1, config.Training.Epochs);
        Assert.Equal(4, config.Model.HiddenLayers);
        var back = RunConfig.FromJson(config.ToJson(), "test");
        Assert.Equal(config.Model with { DataShape = [] }, back.Model with { DataShape = [] });
        Assert.Equal(config.Model.DataShape, back.Model.DataShape);
        Assert.Equal(config.Training, back.Training);
        Assert.Throws<InvalidDataException>(() => RunConfig.FromJson("{\"format\": \"other/9\"}", "x"));
    }
}
