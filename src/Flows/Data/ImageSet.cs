namespace Flows.Data;

/// <summary>
/// 8-bit images [Count, Channels, Height, Width] (row-major bytes, NCHW like tensors) with optional integer labels.
/// </summary>
public sealed class ImageSet
{
    /// <summary>Images over <paramref name="pixels"/> (kept, not copied), [count, channels, height, width] row-major.</summary>
    /// <param name="pixels">The bytes of every image, NCHW.</param>
    /// <param name="count">Number of images (0 or more).</param>
    /// <param name="channels">Channels per image.</param>
    /// <param name="height">Rows per image.</param>
    /// <param name="width">Pixels per row.</param>
    /// <param name="labels">One label per image (kept, not copied), or null.</param>
    /// <exception cref="ArgumentException">The pixel or label count does not match the shape.</exception>
    public ImageSet(byte[] pixels, int count, int channels, int height, int width, byte[]? labels = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)count * channels * height * width != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} bytes cannot be {count} images of {channels}x{height}x{width}.", nameof(pixels));
        }

        if (labels is not null && labels.Length != count)
        {
            throw new ArgumentException($"{labels.Length} labels for {count} images.", nameof(labels));
        }

        Pixels = pixels;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels;
    }

    /// <summary>The bytes of every image, [Count, C, H, W] row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Channels C per image.</summary>
    public int Channels { get; }

    /// <summary>Rows H per image.</summary>
    public int Height { get; }

    /// <summary>Pixels W per row.</summary>
    public int Width { get; }

    /// <summary>One label per image, or null when the data has none.</summary>
    public byte[]? Labels { get; }

    /// <summary>Bytes per image (C·H·W).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>[C, H, W].</summary>
    public int[] ImageShape => [Channels, Height, Width];

    /// <summary>The bytes [C, H, W] of image <paramref name="index"/> (a view, not a copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, Count).</exception>
    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * ImageSize, ImageSize);
    }

    /// <summary>The first <paramref name="count"/> images (a copy).</summary>
    public ImageSet Take(int count)
    {
        count = Math.Clamp(count, 0, Count);
        return new ImageSet(
            Pixels.AsSpan(0, count * ImageSize).ToArray(), count, Channels, Height, Width, Labels?.AsSpan(0, count).ToArray());
    }

    /// <summary>The images at <paramref name="indices"/>, in that order (a copy).</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[checked(indices.Count * ImageSize)];
        var labels = Labels is null ? null : new byte[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize, ImageSize));
            if (labels is not null)
            {
                labels[i] = Labels![indices[i]];
            }
        }

        return new ImageSet(pixels, indices.Count, Channels, Height, Width, labels);
    }

    /// <summary>
    /// Builds a set from IDX arrays: images [N, H, W] (one channel) or [N, H, W, C] (channels last, as
    /// image files store them, reordered here to NCHW); labels [N] if given.
    /// </summary>
    public static ImageSet FromIdx(int[] dims, byte[] data, int[]? labelDims, byte[]? labels, string name)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(data);
        if (dims.Length is not (3 or 4))
        {
            throw new InvalidDataException($"{name}: images must be an IDX array [N, H, W] or [N, H, W, C], got {dims.Length} dimensions.");
        }

        if (labels is not null && (labelDims is null || labelDims.Length != 1 || labelDims[0] != dims[0]))
        {
            throw new InvalidDataException($"{name}: {dims[0]} images but labels of shape [{string.Join(", ", labelDims ?? [])}].");
        }

        int n = dims[0], h = dims[1], w = dims[2];
        if (dims.Length == 3)
        {
            return new ImageSet(data, n, 1, h, w, labels);
        }

        int c = dims[3];
        var nchw = new byte[data.Length];
        for (int i = 0; i < n; i++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        nchw[(((((long)i * c) + ch) * h) + y) * w + x] = data[(((((long)i * h) + y) * w) + x) * c + ch];
                    }
                }
            }
        }

        return new ImageSet(nchw, n, c, h, w, labels);
    }
}
