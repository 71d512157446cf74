
namespace Flows.Data;

/// <summary>
/// Opens a dataset by name or path: "mnist" and "fashion-mnist" (fetched into the cache if missing),
/// the 2-D toy sets of <see cref="ToyData"/> (fixed train and test samples drawn from fixed seeds),
/// or a folder of IDX files.
/// </summary>
public static class Datasets
{
    /// <summary>Points in each toy training set.</summary>
    public const int ToyTrainCount = 20_000;

    /// <summary>Points in each toy test set.</summary>
    public const int ToyTestCount = 5_000;

    /// <summary>Every name <see cref="Open"/> accepts besides a path.</summary>
    public static IEnumerable<string> Names()
    {
        foreach (string n in ImageDatasets.KnownNames())
        {
            yield return n;
        }

        foreach (string n in ToyData.Names)
        {
            yield return n;
        }
    }

    /// <summary>True for the names of 2-D toy sets.</summary>
    public static bool IsToy(string name)
    {
        foreach (string n in ToyData.Names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <param name="nameOrPath">A known name (<see cref="Names"/>) or a folder of IDX files.</param>
    /// <param name="bits">Bits per pixel kept by the dequantization (images only).</param>
    /// <param name="cacheRoot">Cache folder; null = <see cref="DataCache.DefaultRoot"/>.</param>
    /// <param name="log">Where fetching reports progress, or null.</param>
    /// <exception cref="DataUnavailableException">The data cannot be found or fetched; the message says how to get it.</exception>
    public static Dataset Open(string nameOrPath, int bits = 8, string? cacheRoot = null, TextWriter? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (IsToy(nameOrPath))
        {
            string name = nameOrPath.ToLowerInvariant();
            var train = ToyData.Sample(name, ToyTrainCount, new Rng(0x5EED_0001));
            var test = ToyData.Sample(name, ToyTestCount, new Rng(0x5EED_0002));
            return new Dataset(name, new PointSplit(train.ToArray(), 2), new PointSplit(test.ToArray(), 2), null);
        }

        var info = ImageDatasetInfo.Find(nameOrPath);
        if (info is null && !Directory.Exists(nameOrPath))
        {
            throw new DataUnavailableException(
                $"'{nameOrPath}' is neither a known dataset ({string.Join(", ", Names())}) nor a folder of IDX files "
                + "(train-images-idx3-ubyte and t10k-images-idx3-ubyte, raw or .gz, with optional label files).");
        }

        var (trainImages, testImages) = ImageDatasets.Load(nameOrPath, cacheRoot, log);
        string dataName = info?.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(nameOrPath)));
        return Dataset.FromImages(dataName, trainImages, testImages, bits, info?.ClassNames);
    }
}
