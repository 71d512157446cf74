using Flows.Checkpoints;

namespace Flows.Tests.Checkpoints;

/// <summary>config.json: the current format round-trips; the first format keeps the recipe it was trained with.</summary>
public sealed class RunConfigTests
{
    [Fact]
    public void The_current_format_round_trips_the_recipe()
    {
        var config = new RunConfig { Training = new TrainingSettings { Optimizer = OptimizerKind.Adamax, LogScaleRate = 7, Guard = false, Clip = 12 } };
        string json = config.ToJson();
        Assert.Contains("\"format\": \"flows-run/2\"", json, StringComparison.Ordinal);
        Assert.Contains("\"optimizer\": \"adamax\"", json, StringComparison.Ordinal);
        var back = RunConfig.FromJson(json, "test");
        Assert.Equal(config.Training, back.Training);
    }

    [Fact]
    public void A_first_format_config_resumes_with_the_recipe_it_was_trained_with()
    {
        string json = """
            {"format": "flows-run/1", "model": {"kind": "glow"}, "data": {"name": "mnist"},
             "training": {"batch": 64, "learningRate": 0.001, "warmup": 200, "clip": 0, "seed": 1}}
            """;
        var config = RunConfig.FromJson(json, "old");
        Assert.Equal(RunConfig.CurrentFormat, config.Format);
        Assert.Equal(OptimizerKind.Adam, config.Training.Optimizer);
        Assert.Equal(1, config.Training.LogScaleRate);
        Assert.False(config.Training.Guard);
        Assert.False(config.Training.CosineDecay);
        Assert.Equal(0, config.Model.ScaleFloor);
        Assert.Equal(0, config.Training.Clip);
        Assert.Equal(200, config.Training.Warmup);
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_both_known_ones()
    {
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.FromJson("""{"format": "flows-run/9"}""", "x.json"));
        Assert.Contains("flows-run/2", e.Message, StringComparison.Ordinal);
        Assert.Contains("flows-run/1", e.Message, StringComparison.Ordinal);
    }
}
