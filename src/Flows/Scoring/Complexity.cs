using System.IO.Compression;

namespace Flows.Scoring;

/// <summary>
/// The input complexity of an image (Serrà et al., ICLR 2020): its length under a real lossless codec, in
/// bits per dimension. The codec is PNG's: each row filtered with the filter of smallest absolute sum (libpng's
/// heuristic over None, Sub, Up, Average, Paeth), then deflate at its smallest size. Only the deflate stream is
/// counted (PNG's constant chunk overhead would shift every score alike).
/// </summary>
public static class Complexity
{
    /// <summary>Compressed bits of one channel-major image [C, H, W], divided by C·H·W.</summary>
    public static double BitsPerDim(ReadOnlySpan<byte> image, int channels, int height, int width)
        => Compress(image, channels, height, width).Length * 8.0 / image.Length;

    /// <summary>The zlib stream of the image's filtered rows: a PNG's IDAT data for 8-bit grey (C = 1) or RGB (C = 3).</summary>
    public static byte[] Compress(ReadOnlySpan<byte> image, int channels, int height, int width)
    {
        int plane = height * width;
        if (channels < 1 || height < 1 || width < 1 || image.Length != channels * plane)
        {
            throw new ArgumentException($"An image of {image.Length} bytes is not {channels}x{height}x{width}.", nameof(image));
        }

        // Interleave channels per pixel, as PNG stores them.
        int stride = width * channels;
        var raw = new byte[height * stride];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                raw[(p * channels) + c] = image[(c * plane) + p];
            }
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var best = new byte[stride + 1];
            var trial = new byte[stride + 1];
            for (int y = 0; y < height; y++)
            {
                var row = raw.AsSpan(y * stride, stride);
                var above = y > 0 ? raw.AsSpan((y - 1) * stride, stride) : Span<byte>.Empty;
                long bestSum = long.MaxValue;
                for (byte filter = 0; filter <= 4; filter++)
                {
                    trial[0] = filter;
                    long sum = 0;
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= channels ? row[i - channels] : 0;
                        int b = above.IsEmpty ? 0 : above[i];
                        int c = i >= channels && !above.IsEmpty ? above[i - channels] : 0;
                        int predicted = filter switch
                        {
                            0 => 0,
                            1 => a,
                            2 => b,
                            3 => (a + b) / 2,
                            _ => Paeth(a, b, c),
                        };
                        byte v = (byte)(row[i] - predicted);
                        trial[i + 1] = v;
                        sum += v < 128 ? v : 256 - v;
                    }

                    if (sum < bestSum)
                    {
                        bestSum = sum;
                        trial.CopyTo(best, 0);
                    }
                }

                z.Write(best);
            }
        }

        return compressed.ToArray();
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
