namespace Flows.Data;

/// <summary>A dataset ready for training: train and test splits and what their examples are.</summary>
public sealed class Dataset
{
    /// <summary>A dataset of two splits whose examples have the same shape.</summary>
    /// <param name="name">The dataset's name, e.g. "mnist".</param>
    /// <param name="train">The training split.</param>
    /// <param name="test">The test split.</param>
    /// <param name="dequantization">The image preprocessing, or null for real-valued data.</param>
    /// <param name="classNames">Names of the label values, index = label; null for none.</param>
    /// <exception cref="ArgumentException">The name is empty, or the splits' examples differ in shape.</exception>
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

    /// <summary>The dataset's name, e.g. "mnist".</summary>
    public string Name { get; }

    /// <summary>The training split.</summary>
    public DataSplit Train { get; }

    /// <summary>The test split.</summary>
    public DataSplit Test { get; }

    /// <summary>The image preprocessing, or null for real-valued data (2-D points) used as they are.</summary>
    public Dequantization? Dequantization { get; }

    /// <summary>True for images (the metric is bits per dimension), false for points (negative log-likelihood in nats).</summary>
    public bool IsImages => Dequantization is not null;

    /// <summary>Names of the label values, index = label; empty if the data has no labels.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Shape of one example, without the batch axis: [C, H, W] for images, [D] for points.</summary>
    public int[] SampleShape => Train.SampleShape;

    /// <summary>
    /// The same data restricted to the examples whose label is one of <paramref name="classes"/>, in both
    /// splits (for example, one class to train a one-class anomaly model).
    /// </summary>
    /// <exception cref="InvalidOperationException">The data have no labels.</exception>
    /// <exception cref="ArgumentException">A class that no training example has.</exception>
    public Dataset OnlyClasses(IReadOnlyCollection<int> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (Train is not ImageSplit train || Test is not ImageSplit test || train.Labels is null || test.Labels is null)
        {
            throw new InvalidOperationException($"{Name} has no labels, so it cannot be restricted to classes.");
        }

        var present = train.Labels.Select(l => (int)l).ToHashSet();
        foreach (int c in classes)
        {
            if (!present.Contains(c))
            {
                throw new ArgumentException($"No training example of {Name} has class {c}; its classes are {present.Min()} to {present.Max()}.", nameof(classes));
            }
        }

        var keep = classes.ToHashSet();
        ImageSet Filter(ImageSet set) => set.Select([.. Enumerable.Range(0, set.Count).Where(i => keep.Contains(set.Labels![i]))]);
        return new Dataset(Name, new ImageSplit(Filter(train.Images), train.Dequantization), new ImageSplit(Filter(test.Images), test.Dequantization), Dequantization, ClassNames);
    }

    /// <summary>The same data with the training images perturbed at <paramref name="rate"/> (<see cref="PerturbedImageSplit"/>), for a background model.</summary>
    public Dataset WithPerturbedTraining(double rate)
    {
        if (Train is not ImageSplit train)
        {
            throw new InvalidOperationException($"{Name} is not images; only images can be perturbed.");
        }

        return new Dataset(Name, new PerturbedImageSplit(train, rate), Test, Dequantization, ClassNames);
    }

    /// <summary>An image dataset from 8-bit image sets, dequantized to <paramref name="bits"/> bits.</summary>
    public static Dataset FromImages(string name, ImageSet train, ImageSet test, int bits = 8, IReadOnlyList<string>? classNames = null)
    {
        var dq = new Dequantization(bits);
        return new Dataset(name, new ImageSplit(train, dq), new ImageSplit(test, dq), dq, classNames);
    }
}
