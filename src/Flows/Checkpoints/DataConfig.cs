using Flows.Data;

namespace Flows.Checkpoints;

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

    /// <summary>The labels trained on (both splits restricted to them), or null for all.</summary>
    public int[]? Classes { get; init; }

    /// <summary>Images: the probability that a training pixel is replaced by a random value (a background model), or null.</summary>
    public double? Perturbation { get; init; }

    /// <summary>Opens the data this config describes: the named set or folder, at its bits, restricted to its classes, perturbed as trained.</summary>
    public Dataset Open(string? cacheRoot = null, TextWriter? log = null) => Apply(Datasets.Open(Name, Bits, cacheRoot, log));

    /// <summary>Restricts <paramref name="dataset"/> to <see cref="Classes"/> and perturbs its training images at <see cref="Perturbation"/>.</summary>
    public Dataset Apply(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (Classes is { Length: > 0 } classes)
        {
            dataset = dataset.OnlyClasses(classes);
        }

        return Perturbation is { } rate ? dataset.WithPerturbedTraining(rate) : dataset;
    }
}
