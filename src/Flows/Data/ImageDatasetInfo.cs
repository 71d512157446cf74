namespace Flows.Data;

/// <summary>A known image dataset: its files (raw or gzipped IDX) and the shapes they must have.</summary>
public sealed record ImageDatasetInfo(string Name, int TrainCount, int TestCount, int Channels, int Height, int Width, string[] ClassNames)
{
    /// <summary>MNIST: 60,000 training and 10,000 test handwritten digits, 1×28×28, classes "0" to "9".</summary>
    public static readonly ImageDatasetInfo Mnist = new("mnist", 60_000, 10_000, 1, 28, 28, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    /// <summary>Fashion-MNIST: 60,000 training and 10,000 test clothing images, 1×28×28, ten classes.</summary>
    public static readonly ImageDatasetInfo FashionMnist = new(
        "fashion-mnist", 60_000, 10_000, 1, 28, 28, ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]);

    /// <summary>The known datasets by name.</summary>
    public static IReadOnlyList<ImageDatasetInfo> All { get; } = [Mnist, FashionMnist];

    /// <summary>The known dataset named <paramref name="name"/> (ignoring case), or null.</summary>
    public static ImageDatasetInfo? Find(string name)
    {
        foreach (var d in All)
        {
            if (string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return d;
            }
        }

        return null;
    }

    /// <summary>File stems of the four IDX files; the data may be stored with or without ".gz".</summary>
    public static readonly string[] FileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The IDX dimensions file <paramref name="stem"/> must have.</summary>
    public int[] ExpectedDimensions(string stem) => stem switch
    {
        "train-images-idx3-ubyte" => [TrainCount, Height, Width],
        "train-labels-idx1-ubyte" => [TrainCount],
        "t10k-images-idx3-ubyte" => [TestCount, Height, Width],
        "t10k-labels-idx1-ubyte" => [TestCount],
        _ => throw new ArgumentException($"Unknown IDX file '{stem}'.", nameof(stem)),
    };
}
