using Flows.IO;

namespace Flows.Data;

/// <summary>Turns image tensors [N, C, H, W] (C = 1 or 3, dequantized values) into 8-bit pictures.</summary>
public static class TensorImages
{
    /// <summary>One picture per image of <paramref name="x"/>, pixels recovered with <paramref name="dequantization"/>.</summary>
    public static RasterImage[] ToTiles(Tensor x, Dequantization dequantization)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dequantization);
        if (x.Rank != 4 || x.Shape[1] is not (1 or 3))
        {
            throw new ArgumentException($"Pictures need images [N, 1 or 3, H, W], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], plane = h * w;
        var tiles = new RasterImage[n];
        var pixels = new byte[c * plane];
        for (int i = 0; i < n; i++)
        {
            dequantization.ToPixels(x.Span.Slice(i * c * plane, c * plane), pixels);
            tiles[i] = RasterImage.FromChannelMajor(pixels, c, h, w);
        }

        return tiles;
    }

    /// <summary>A grid of all images of <paramref name="x"/>, <paramref name="columns"/> a row.</summary>
    public static RasterImage Grid(Tensor x, Dequantization dequantization, int columns, int padding = 2)
        => ImageGrid.Compose(ToTiles(x, dequantization), columns, padding);
}
