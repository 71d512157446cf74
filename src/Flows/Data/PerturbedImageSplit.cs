
namespace Flows.Data;

/// <summary>
/// Images with random pixels replaced before dequantization, for a background model (Ren et al., NeurIPS
/// 2019): each pixel, with probability <see cref="Rate"/>, becomes a uniformly random byte. The replacement draws
/// come from the same generator as the dequantization noise, so a run stays reproducible and resumable; without a
/// generator (evaluation) the images are served unchanged.
/// </summary>
public sealed class PerturbedImageSplit : DataSplit
{
    /// <summary>A split serving <paramref name="images"/> with each pixel replaced with probability <paramref name="rate"/>, in (0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is not in (0, 1).</exception>
    public PerturbedImageSplit(ImageSplit images, double rate)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (!(rate is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The perturbation rate must lie in (0, 1).");
        }

        Images = images;
        Rate = rate;
    }

    /// <summary>The unperturbed images and their dequantization.</summary>
    public ImageSplit Images { get; }

    /// <summary>The probability that a pixel is replaced.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override int Count => Images.Count;

    /// <inheritdoc/>
    public override int[] SampleShape => Images.SampleShape;

    /// <inheritdoc/>
    public override byte[]? Labels => Images.Labels;

    /// <summary>
    /// The images at <paramref name="indices"/> as [n, C, H, W], perturbed and then dequantized with draws from
    /// <paramref name="rng"/>; with a null generator, unperturbed at the bin centres.
    /// </summary>
    public override Tensor Batch(ReadOnlySpan<int> indices, Rng? rng)
    {
        if (rng is null)
        {
            return Images.Batch(indices, null);
        }

        var set = Images.Images;
        int size = set.ImageSize;
        var t = Tensor.Uninitialized([indices.Length, set.Channels, set.Height, set.Width]);
        var pixels = new byte[size];
        for (int i = 0; i < indices.Length; i++)
        {
            set.Image(indices[i]).CopyTo(pixels);
            for (int p = 0; p < size; p++)
            {
                if (rng.NextDouble() < Rate)
                {
                    pixels[p] = (byte)rng.NextInt(256);
                }
            }

            Images.Dequantization.Apply(pixels, t.Span.Slice(i * size, size), rng);
        }

        return t;
    }
}
