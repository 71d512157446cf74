using Flows.Data;
using Flows.Models;
using Flows.Scoring;

namespace Flows.Cli.Commands.Score;

/// <summary>The data a scoring verb reads: a named set or folder (or the model's own data), one split, a range of it.</summary>
internal static class ScoredData
{
    /// <summary>
    /// The split <paramref name="split"/> ("test" or "train") of <paramref name="name"/> (null: the model's own
    /// data, with its class filter), examples skip … skip + limit − 1.
    /// </summary>
    public static (DataSplit Split, string Description) Open(LoadedCheckpoint model, string? name, string split, int skip, int? limit, string? dataDir, TextWriter log, int[]? classes = null)
    {
        // The model's own data as it was trained, but never perturbed: scores are of the real images.
        var dataset = name is null ? (model.Config.Data with { Perturbation = null }).Open(dataDir, log) : Datasets.Open(name, model.Config.Data.Bits, dataDir, log);
        string classText = "";
        if (classes is { Length: > 0 })
        {
            if (dataset.Train.Labels is null)
            {
                throw new UsageException($"{dataset.Name} has no labels, so it cannot be restricted to classes.");
            }

            dataset = dataset.OnlyClasses(classes);
            classText = $" (classes {string.Join(',', classes)})";
        }
        var whole = split switch
        {
            "test" => dataset.Test,
            "train" => dataset.Train,
            _ => throw new UsageException($"--split must be test or train, not '{split}'."),
        };
        if (!Tensor.SameShape(whole.SampleShape, model.Model.DataShape))
        {
            throw new UsageException($"{dataset.Name} has examples {Tensor.FormatShape(whole.SampleShape)}, but the model at {model.Folder} takes {Tensor.FormatShape(model.Model.DataShape)}.");
        }

        if (skip < 0 || skip >= whole.Count)
        {
            throw new UsageException($"--skip {skip} is outside the {split} split of {dataset.Name} (0 to {whole.Count - 1}).");
        }

        int count = Math.Min(limit ?? whole.Count - skip, whole.Count - skip);
        var part = skip == 0 && count == whole.Count ? whole : Range(whole, skip, count);
        return (part, $"{dataset.Name}{classText} {split}, examples {skip} to {skip + count - 1} ({count})");
    }

    /// <summary>Opens a background model for the likelihood ratio and checks it fits the model.</summary>
    public static FlowModel? Background(string? path, LoadedCheckpoint model, TextWriter log)
    {
        if (path is null)
        {
            return null;
        }

        var background = LoadedCheckpoint.Open(path, null, log);
        if (!Tensor.SameShape(background.Model.DataShape, model.Model.DataShape))
        {
            throw new UsageException($"The background model at {background.Folder} takes {Tensor.FormatShape(background.Model.DataShape)}, but the model takes {Tensor.FormatShape(model.Model.DataShape)}.");
        }

        return background.Model;
    }

    private static DataSplit Range(DataSplit split, int skip, int count) => split switch
    {
        ImageSplit images => new ImageSplit(images.Images.Select([.. Enumerable.Range(skip, count)]), images.Dequantization),
        PointSplit points => new PointSplit(points.Points.Slice(skip * points.Dimensions, count * points.Dimensions).ToArray(), points.Dimensions),
        _ => throw new UsageException("This data cannot be sliced."),
    };
}
