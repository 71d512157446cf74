using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Training;

/// <summary>Everything that defines a training run: architecture, data and training settings (config.json).</summary>
public sealed record RunConfig
{
    /// <summary>The format tag written into config.json.</summary>
    public const string CurrentFormat = "flows-run/2";

    /// <summary>
    /// The format before the training recipe gained an optimizer choice, a log-scale rate and the divergence
    /// guard; such a config is read with the values it was trained with (Adam, rate 1, no decay, no guard), so a
    /// resumed run continues as it began.
    /// </summary>
    public const string FirstFormat = "flows-run/1";

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

        if (config is not null && config.Format == FirstFormat)
        {
            return config with
            {
                Format = CurrentFormat,
                Training = config.Training with { Optimizer = OptimizerKind.Adam, LogScaleRate = 1, CosineDecay = false, Guard = false },
            };
        }

        if (config is null || config.Format != CurrentFormat)
        {
            throw new InvalidDataException($"{source} has format '{config?.Format}', expected '{CurrentFormat}' (or '{FirstFormat}').");
        }

        return config;
    }
}
