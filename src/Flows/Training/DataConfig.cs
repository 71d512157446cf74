namespace Flows.Training;

/// <summary>Which data a model was trained on and how they were preprocessed.</summary>
public sealed record DataConfig
{
    /// <summary>A dataset name ("mnist", "moons", ...) or the folder of IDX files.</summary>
    public string Name { get; init; } = "mnist";

    /// <summary>"dequantize" (images: x = (⌊pixel / 2^(8−bits)⌋ + u)/2^bits − ½) or "none" (real-valued points).</summary>
    public string Preprocessing { get; init; } = "dequantize";

    /// <summary>Bits per pixel kept by the dequantization.</summary>
    public int Bits { get; init; } = 8;

    /// <summary>Names of the labels (index = label), if the data have labels.</summary>
    public string[] ClassNames { get; init; } = [];
}
