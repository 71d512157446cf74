using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Training;

/// <summary>Everything that defines a training run: architecture, data and training settings (config.json).</summary>
public sealed record RunConfig
{
    /// <summary>The format tag written into config.json.</summary>
    public const string CurrentFormat = "flows-run/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string Format { get; init; } = CurrentFormat;

    public ModelConfig Model { get; init; } = new();

    public DataConfig Data { get; init; } = new();

    public TrainingSettings Training { get; init; } = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="InvalidDataException">The text is not a run configuration of a known format.</exception>
    public static RunConfig FromJson(string json, string source)
    {
        RunConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<RunConfig>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid run configuration: {e.Message}", e);
        }

        if (config is null || config.Format != CurrentFormat)
        {
            throw new InvalidDataException($"{source} has format '{config?.Format}', expected '{CurrentFormat}'.");
        }

        return config;
    }
}
