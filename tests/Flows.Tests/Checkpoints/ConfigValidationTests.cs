using System.Text.Json.Nodes;
using Flows.Checkpoints;

namespace Flows.Tests.Checkpoints;

/// <summary>config.json and state.json are read only when every field is one a run could have written; the error names the field.</summary>
public sealed class ConfigValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flows-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Mutated(Action<JsonObject> change)
    {
        var json = JsonNode.Parse(new RunConfig().ToJson())!.AsObject();
        change(json);
        return json.ToJsonString();
    }

    [Theory]
    [InlineData("data", "preprocessing", "\"bogus\"", "data.preprocessing")]
    [InlineData("model", "hiddenLayers", "1000000", "model.hiddenLayers")]
    [InlineData("model", "kind", "\"maf\"", "model.kind")]
    [InlineData("model", "coupling", "\"spline\"", "model.coupling")]
    [InlineData("model", "stepsPerLevel", "0", "model.stepsPerLevel")]
    [InlineData("data", "bits", "9", "data.bits")]
    [InlineData("training", "learningRate", "-1", "training.learningRate")]
    [InlineData("training", "batch", "0", "training.batch")]
    public void A_field_out_of_range_is_refused_by_name(string section, string field, string value, string expected)
    {
        string json = Mutated(j => j[section]![field] = JsonNode.Parse(value));
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.FromJson(json, "config.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("model")]
    [InlineData("training")]
    public void A_missing_section_is_refused(string section)
    {
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.FromJson(Mutated(j => j.Remove(section)), "config.json"));
        Assert.Contains($"no '{section}' section", e.Message, StringComparison.Ordinal);
        Assert.NotNull(RunConfig.FromJson(new RunConfig().ToJson(), "config.json")); // the unmutated config reads
    }

    [Theory]
    [InlineData("{\"step\": 1000000000000000000, \"noiseState\": [1, 2, 3, 4]}", "step:")]
    [InlineData("{\"step\": 5, \"noiseState\": [0, 0, 0, 0]}", "noiseState:")]
    [InlineData("{\"step\": 5, \"noiseState\": [1, 2, 3]}", "noiseState:")]
    [InlineData("{\"noiseState\": [1, 2, 3, 4]}", "no 'step'")]
    [InlineData("{\"step\": 5, \"noiseState\": [1, 2, 3, 4], \"learningRateFactor\": 0}", "learningRateFactor:")]
    [InlineData("{\"step\": 5, \"noiseState\": [1, 2, 3, 4], \"skippedSteps\": 9}", "counter")]
    public void A_state_no_run_could_have_written_is_refused_by_field(string json, string expected)
    {
        File.WriteAllText(Path.Combine(_folder, Checkpoint.StateFile), json);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(_folder));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_folder, Checkpoint.StateFile), "{\"step\": 5, \"noiseState\": [1, 2, 3, 4]}");
        Assert.Equal(5, Checkpoint.ReadState(_folder).Step);
    }
}
