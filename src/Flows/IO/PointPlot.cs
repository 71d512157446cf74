namespace Flows.IO;

/// <summary>Square pictures of 2-D data: scatter plots of points and heat maps of a density on a grid.</summary>
public static class PointPlot
{
    /// <summary>A scatter plot of points [n, 2] (row-major) over the square [lo, hi]², y upwards.</summary>
    public static RasterImage Scatter(ReadOnlySpan<float> points, double lo, double hi, int size = 256, (byte R, byte G, byte B)? colour = null)
    {
        if (points.Length % 2 != 0)
        {
            throw new ArgumentException($"{points.Length} values are not whole 2-D points.", nameof(points));
        }

        var (r, g, b) = colour ?? ((byte)31, (byte)119, (byte)180);
        var image = new RasterImage(size, size, 3);
        image.Fill(255, 255, 255);
        for (int i = 0; i < points.Length; i += 2)
        {
            if (!float.IsFinite(points[i]) || !float.IsFinite(points[i + 1]))
            {
                continue;
            }

            int px = (int)Math.Floor((points[i] - lo) / (hi - lo) * size);
            int py = size - 1 - (int)Math.Floor((points[i + 1] - lo) / (hi - lo) * size);
            image.SetPixel(px, py, r, g, b);
            image.SetPixel(px + 1, py, r, g, b);
            image.SetPixel(px, py + 1, r, g, b);
            image.SetPixel(px + 1, py + 1, r, g, b);
        }

        return image;
    }

    /// <summary>
    /// A heat map of <paramref name="values"/> [size, size] (row 0 = top), each mapped linearly from
    /// [min, max] of the finite values onto a dark-blue → yellow colour ramp.
    /// </summary>
    public static RasterImage HeatMap(ReadOnlySpan<float> values, int size)
    {
        if (values.Length != size * size)
        {
            throw new ArgumentException($"{values.Length} values for a {size}x{size} map.", nameof(values));
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        float range = max > min ? max - min : 1f;
        var image = new RasterImage(size, size, 3);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                float v = values[(y * size) + x];
                double t = float.IsFinite(v) ? (v - min) / range : 0;
                var (r, g, b) = Ramp(t);
                image.SetPixel(x, y, r, g, b);
            }
        }

        return image;
    }

    /// <summary>A viridis-like ramp through five anchor colours.</summary>
    internal static (byte R, byte G, byte B) Ramp(double t)
    {
        t = Math.Clamp(t, 0, 1) * 4;
        int i = Math.Min(3, (int)t);
        double f = t - i;
        return (Mix(i, f, 0), Mix(i, f, 1), Mix(i, f, 2));
    }

    private static byte Mix(int i, double f, int c)
    {
        ReadOnlySpan<byte> anchors = [68, 1, 84, 59, 82, 139, 33, 145, 140, 94, 201, 98, 253, 231, 37];
        return (byte)Math.Round(anchors[(i * 3) + c] + (f * (anchors[((i + 1) * 3) + c] - anchors[(i * 3) + c])));
    }
}
