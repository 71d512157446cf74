namespace Flows.IO;

/// <summary>Lays equal-sized tiles out in a grid, row by row, with a border of padding around every tile.</summary>
public static class ImageGrid
{
    /// <param name="tiles">The tiles, all the same size; grayscale and RGB may be mixed (the grid is RGB then).</param>
    /// <param name="columns">Tiles per row; the last row may be shorter.</param>
    /// <param name="padding">Pixels between tiles and around the edge.</param>
    /// <param name="background">Gray level of the padding.</param>
    public static RasterImage Compose(IReadOnlyList<RasterImage> tiles, int columns, int padding = 2, byte background = 255)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("A grid needs at least one tile.", nameof(tiles));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        int w = tiles[0].Width, h = tiles[0].Height, channels = 1;
        foreach (var t in tiles)
        {
            if (t.Width != w || t.Height != h)
            {
                throw new ArgumentException($"Tiles differ in size: {w}x{h} and {t.Width}x{t.Height}.", nameof(tiles));
            }

            channels = Math.Max(channels, t.Channels);
        }

        columns = Math.Min(columns, tiles.Count);
        int rows = (tiles.Count + columns - 1) / columns;
        var grid = new RasterImage(padding + (columns * (w + padding)), padding + (rows * (h + padding)), channels);
        grid.Fill(background, background, background);
        for (int i = 0; i < tiles.Count; i++)
        {
            int r = i / columns, c = i % columns;
            grid.Paste(tiles[i], padding + (c * (w + padding)), padding + (r * (h + padding)));
        }

        return grid;
    }

    /// <summary>Places images of any size side by side, top-aligned, with padding.</summary>
    public static RasterImage SideBySide(IReadOnlyList<RasterImage> panels, int padding = 4, byte background = 255)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new ArgumentException("Nothing to place.", nameof(panels));
        }

        int width = padding, height = 0, channels = 1;
        foreach (var p in panels)
        {
            width += p.Width + padding;
            height = Math.Max(height, p.Height);
            channels = Math.Max(channels, p.Channels);
        }

        var image = new RasterImage(width, height + (2 * padding), channels);
        image.Fill(background, background, background);
        int x = padding;
        foreach (var p in panels)
        {
            image.Paste(p, x, padding);
            x += p.Width + padding;
        }

        return image;
    }
}
