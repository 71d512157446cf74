namespace Flows.IO;

/// <summary>
/// An 8-bit image: <see cref="Height"/> rows of <see cref="Width"/> pixels, each of <see cref="Channels"/>
/// interleaved bytes (1 = grayscale, 3 = RGB), row-major.
/// </summary>
public sealed class RasterImage
{
    /// <summary>A black image of <paramref name="width"/> × <paramref name="height"/> pixels with 1 (grayscale) or 3 (RGB) <paramref name="channels"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is less than 1 or <paramref name="channels"/> is neither 1 nor 3.</exception>
    public RasterImage(int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "An image has 1 (grayscale) or 3 (RGB) channels.");
        }

        Width = width;
        Height = height;
        Channels = channels;
        Pixels = new byte[checked(width * height * channels)];
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Number of rows.</summary>
    public int Height { get; }

    /// <summary>Bytes per pixel: 1 for grayscale, 3 for RGB.</summary>
    public int Channels { get; }

    /// <summary>The pixel bytes, row after row, channels interleaved.</summary>
    public byte[] Pixels { get; }

    /// <summary>A picture of one channel-major image [C, H, W] (C = 1 or 3), its channels interleaved per pixel.</summary>
    public static RasterImage FromChannelMajor(ReadOnlySpan<byte> planes, int channels, int height, int width)
    {
        var image = new RasterImage(width, height, channels);
        int plane = height * width;
        if (planes.Length != channels * plane)
        {
            throw new ArgumentException($"{planes.Length} bytes are not a {channels}x{height}x{width} image.", nameof(planes));
        }

        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                image.Pixels[(p * channels) + c] = planes[(c * plane) + p];
            }
        }

        return image;
    }

    /// <summary>Sets every pixel to the colour (r, g, b); a grayscale image takes <paramref name="r"/>.</summary>
    public void Fill(byte r, byte g, byte b)
    {
        if (Channels == 1)
        {
            Pixels.AsSpan().Fill(r);
            return;
        }

        for (int i = 0; i < Pixels.Length; i += 3)
        {
            Pixels[i] = r;
            Pixels[i + 1] = g;
            Pixels[i + 2] = b;
        }
    }

    /// <summary>Writes one pixel; on a grayscale image the colour is reduced to its luma.</summary>
    public void SetPixel(int x, int y, byte r, byte g, byte b)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }

        int o = ((y * Width) + x) * Channels;
        if (Channels == 1)
        {
            Pixels[o] = (byte)(((299 * r) + (587 * g) + (114 * b) + 500) / 1000);
        }
        else
        {
            Pixels[o] = r;
            Pixels[o + 1] = g;
            Pixels[o + 2] = b;
        }
    }

    /// <summary>Copies <paramref name="source"/> with its top-left corner at (x, y); gray goes to all three RGB channels.</summary>
    public void Paste(RasterImage source, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Channels > Channels)
        {
            throw new ArgumentException($"Cannot paste an RGB image into a grayscale one.", nameof(source));
        }

        if (x < 0 || y < 0 || x + source.Width > Width || y + source.Height > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"A {source.Width}x{source.Height} image at ({x}, {y}) does not fit in {Width}x{Height}.");
        }

        for (int row = 0; row < source.Height; row++)
        {
            for (int col = 0; col < source.Width; col++)
            {
                int s = ((row * source.Width) + col) * source.Channels;
                int d = (((y + row) * Width) + x + col) * Channels;
                for (int c = 0; c < Channels; c++)
                {
                    Pixels[d + c] = source.Pixels[s + (source.Channels == 1 ? 0 : c)];
                }
            }
        }
    }
}
