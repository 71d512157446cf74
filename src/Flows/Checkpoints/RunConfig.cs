using Flows.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Checkpoints;

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

    /// <summary>The format tag; <see cref="CurrentFormat"/> for configs written by this version.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The architecture.</summary>
    public ModelConfig Model { get; init; } = new();

    /// <summary>The data and their preprocessing.</summary>
    public DataConfig Data { get; init; } = new();

    /// <summary>How the run trains.</summary>
    public TrainingSettings Training { get; init; } = new();

    /// <summary>This configuration as indented camel-case JSON (the content of config.json); null fields are left out.</summary>
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
            throw new InvalidDataException($"{source} is not a valid run configuration: {ErrorText.Of(e)}", e);
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

        using (var document = JsonDocument.Parse(json))
        {
            foreach (string section in new[] { "model", "data", "training" })
            {
                if (!document.RootElement.TryGetProperty(section, out _))
                {
                    throw new InvalidDataException($"{source} has no '{section}' section.");
                }
            }
        }

        return config.Problem() is { } problem ? throw new InvalidDataException($"{source}: {problem}.") : config;
    }

    /// <summary>The first field out of its range or not among its known values, as "section.field: problem", or null.</summary>
    public string? Problem()
    {
        var m = Model;
        var d = Data;
        var t = Training;
        static bool Positive(double v) => double.IsFinite(v) && v > 0;
        return (m, d, t) switch
        {
            _ when !ModelFactory.Kinds.Contains(m.Kind) => $"model.kind: '{m.Kind}' is not one of {string.Join(", ", ModelFactory.Kinds)}",
            _ when m.DataShape is not ({ Length: 1 } or { Length: 3 }) || m.DataShape.Any(x => x is < 1 or > 1 << 16) => $"model.dataShape: {Tensor.FormatShape(m.DataShape)} is neither [C, H, W] nor [D]",
            _ when m.Levels is < 1 or > 16 => $"model.levels: {m.Levels} is not in 1 to 16",
            _ when m.StepsPerLevel is < 1 or > 100_000 => $"model.stepsPerLevel: {m.StepsPerLevel} is not in 1 to 100000",
            _ when m.Hidden is < 1 or > 1 << 16 => $"model.hidden: {m.Hidden} is not in 1 to 65536",
            _ when m.HiddenLayers is < 1 or > 1000 => $"model.hiddenLayers: {m.HiddenLayers} is not in 1 to 1000",
            _ when m.Coupling is not ("affine" or "additive") => $"model.coupling: '{m.Coupling}' is not affine or additive",
            _ when m.Permutation is not ("lu" or "1x1" or "shuffle" or "reverse") => $"model.permutation: '{m.Permutation}' is not lu, 1x1, shuffle or reverse",
            _ when m.Classes is < 0 or > 256 => $"model.classes: {m.Classes} is not in 0 to 256",
            _ when m.Classes > 0 && !(m.Kind == "glow" && m.IsImage) => $"model.classes: a class-conditional prior needs an image Glow, not {m.Kind}",
            _ when m.Masks is not ("channel" or "checkerboard") => $"model.masks: '{m.Masks}' is not channel or checkerboard",
            _ when m.StepNorm is not ("batchnorm" or "actnorm" or "none") => $"model.stepNorm: '{m.StepNorm}' is not batchnorm, actnorm or none",
            _ when m.LogitAlpha is { } a && !(a is >= 0 and < 0.5) => $"model.logitAlpha: {a} is not in [0, 0.5)",
            _ when m.LogitAlpha is not null && !(m.Kind is "glow" or "realnvp" && m.IsImage) => $"model.logitAlpha: the logit preprocessing needs an image Glow or RealNVP, not {m.Kind}",
            _ when !double.IsFinite(m.ScaleFloor) || m.ScaleFloor is < 0 or >= 1 => $"model.scaleFloor: {m.ScaleFloor} is not in [0, 1)",
            _ when d.Preprocessing is not ("dequantize" or "none") => $"data.preprocessing: '{d.Preprocessing}' is not dequantize or none",
            _ when d.Bits is < 1 or > 8 => $"data.bits: {d.Bits} is not in 1 to 8",
            _ when d.Perturbation is { } r && !(r is > 0 and < 1) => $"data.perturbation: {r} is not in (0, 1)",
            _ when t.Batch < 1 => $"training.batch: {t.Batch} is not positive",
            _ when !Positive(t.LearningRate) => $"training.learningRate: {t.LearningRate} is not a positive number",
            _ when !Positive(t.LogScaleRate) => $"training.logScaleRate: {t.LogScaleRate} is not a positive number",
            _ when t.Warmup < 0 => $"training.warmup: {t.Warmup} is negative",
            _ when !double.IsFinite(t.Clip) || t.Clip < 0 => $"training.clip: {t.Clip} is not a number ≥ 0",
            _ when !(t.ReconstructionTolerance > 0) => $"training.reconstructionTolerance: {t.ReconstructionTolerance} is not a number > 0",
            _ when t.Epochs is { } e && !Positive(e) => $"training.epochs: {e} is not positive",
            _ when t.Steps is < 1 => $"training.steps: {t.Steps} is not positive",
            _ when t.Minutes is { } min && !Positive(min) => $"training.minutes: {min} is not positive",
            _ => null,
        };
    }
}
