namespace Flows.Data;

/// <summary>A dataset ready for training: train and test splits and what their examples are.</summary>
public sealed class Dataset
{
    public Dataset(string name, DataSplit train, DataSplit test, Dequantization? dequantization, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (!Tensors.Tensor.SameShape(train.SampleShape, test.SampleShape))
        {
            throw new ArgumentException(
                $"Train examples {Tensors.Tensor.FormatShape(train.SampleShape)} and test examples {Tensors.Tensor.FormatShape(test.SampleShape)} differ in shape.", nameof(test));
        }

        Name = name;
        Train = train;
        Test = test;
        Dequantization = dequantization;
        ClassNames = classNames ?? [];
    }

    public string Name { get; }

    public DataSplit Train { get; }

    public DataSplit Test { get; }

    /// <summary>The image preprocessing, or null for real-valued data (2-D points) used as they are.</summary>
    public Dequantization? Dequantization { get; }

    /// <summary>True for images (the metric is bits per dimension), false for points (negative log-likelihood in nats).</summary>
    public bool IsImages => Dequantization is not null;

    /// <summary>Names of the label values, index = label; empty if the data has no labels.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int[] SampleShape => Train.SampleShape;

    /// <summary>An image dataset from 8-bit image sets, dequantized to <paramref name="bits"/> bits.</summary>
    public static Dataset FromImages(string name, ImageSet train, ImageSet test, int bits = 8, IReadOnlyList<string>? classNames = null)
    {
        var dq = new Dequantization(bits);
        return new Dataset(name, new ImageSplit(train, dq), new ImageSplit(test, dq), dq, classNames);
    }
}
