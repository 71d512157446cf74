
namespace Flows.Data;

/// <summary>8-bit images served dequantized (<see cref="Dequantization"/>), shape [n, C, H, W].</summary>
public sealed class ImageSplit : DataSplit
{
    /// <summary>A split serving <paramref name="images"/> through <paramref name="dequantization"/>.</summary>
    public ImageSplit(ImageSet images, Dequantization dequantization)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(dequantization);
        Images = images;
        Dequantization = dequantization;
    }

    /// <summary>The 8-bit images.</summary>
    public ImageSet Images { get; }

    /// <summary>The preprocessing applied to every batch.</summary>
    public Dequantization Dequantization { get; }

    /// <inheritdoc/>
    public override int Count => Images.Count;

    /// <inheritdoc/>
    public override int[] SampleShape => Images.ImageShape;

    /// <inheritdoc/>
    public override byte[]? Labels => Images.Labels;

    /// <inheritdoc/>
    public override Tensor Batch(ReadOnlySpan<int> indices, Rng? rng)
    {
        int size = Images.ImageSize;
        var t = Tensor.Uninitialized([indices.Length, Images.Channels, Images.Height, Images.Width]);
        var span = t.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            Dequantization.Apply(Images.Image(indices[i]), span.Slice(i * size, size), rng);
        }

        return t;
    }
}
