using Flows.Data;

namespace Flows;

/// <summary>
/// Images for a flow: 8-bit pixels of one size and channel count, with labels when they have classes. From a
/// folder of PNG/JPEG files (class subfolders become labels), from MNIST-style data sets, or from raw pixels.
/// </summary>
public sealed class ImageData
{
    internal ImageData(ImageSet images, IReadOnlyList<string> classNames)
    {
        Images = images;
        ClassNames = classNames;
    }

    /// <summary>Number of images.</summary>
    public int Count => Images.Count;

    /// <summary>[C, H, W] of one image.</summary>
    public int[] Shape => Images.ImageShape;

    /// <summary>Names of the labels (index = label); empty when the images have none.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The label of each image, or null.</summary>
    public IReadOnlyList<byte>? Labels => Images.Labels;

    internal ImageSet Images { get; }

    /// <summary>
    /// Every image under <paramref name="folder"/> (PNG, JPEG, BMP, GIF, WebP); each subfolder is a class, as
    /// torchvision's ImageFolder. All images must share one size and be all grey or all colour.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="InvalidDataException">No images, a damaged file, or a size or colour mismatch; the message names the file.</exception>
    public static ImageData FromFolder(string folder)
    {
        var (images, classes) = ImageFolder.Load(folder);
        return new ImageData(images, classes);
    }

    /// <summary>Images from channel-major bytes: <paramref name="count"/> × [channels, height, width].</summary>
    public static ImageData FromPixels(byte[] pixels, int count, int channels, int height, int width, byte[]? labels = null, IReadOnlyList<string>? classNames = null)
        => new(new ImageSet(pixels, count, channels, height, width, labels), classNames ?? []);

    /// <summary>
    /// The train and test images of a named data set ("mnist", "fashion-mnist") or of a folder of IDX files,
    /// from the per-user cache (<c>flows data get</c> fills it).
    /// </summary>
    public static (ImageData Train, ImageData Test) Open(string nameOrFolder, string? cacheFolder = null)
    {
        var dataset = Datasets.Open(nameOrFolder, 8, cacheFolder);
        if (dataset.Train is not ImageSplit train || dataset.Test is not ImageSplit test)
        {
            throw new ArgumentException($"{nameOrFolder} is not an image data set; use Flow.Fit(float[,]) for points.", nameof(nameOrFolder));
        }

        return (new ImageData(train.Images, dataset.ClassNames), new ImageData(test.Images, dataset.ClassNames));
    }

    /// <summary>The images of one class only (for example, to train a one-class model).</summary>
    public ImageData OfClass(int label)
    {
        var labels = Images.Labels ?? throw new InvalidOperationException("These images have no labels.");
        int[] keep = [.. Enumerable.Range(0, Count).Where(i => labels[i] == label)];
        if (keep.Length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"No image has label {label}.");
        }

        return new ImageData(Images.Select(keep), ClassNames);
    }

    /// <summary>Writes the images as one PNG grid, <paramref name="columns"/> a row (grey or colour as the images are).</summary>
    public void SaveGrid(string pngPath, int columns = 8)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        if (Images.Channels is not (1 or 3))
        {
            throw new InvalidOperationException($"Pictures need 1 or 3 channels; these images have {Images.Channels}.");
        }

        var tiles = new IO.RasterImage[Count];
        for (int i = 0; i < Count; i++)
        {
            tiles[i] = IO.RasterImage.FromChannelMajor(Images.Image(i), Images.Channels, Images.Height, Images.Width);
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        IO.PngWriter.Save(IO.ImageGrid.Compose(tiles, columns), pngPath);
    }

    /// <summary>Channel-major bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Pixels(int index) => Images.Image(index);
}
