using System.Xml.Linq;
using Flows.IO;

namespace Flows.Tests.IO;

public class ImageGridTests
{
    [Fact]
    public void TilesLandAtTheirPaddedPositions()
    {
        var tiles = new List<RasterImage>();
        for (int i = 0; i < 5; i++)
        {
            var t = new RasterImage(3, 2, 1);
            t.Fill((byte)(10 * (i + 1)), 0, 0);
            tiles.Add(t);
        }

        var grid = ImageGrid.Compose(tiles, columns: 3, padding: 1, background: 255);
        Assert.Equal((1 + (3 * 4), 1 + (2 * 3)), (grid.Width, grid.Height));
        for (int i = 0; i < 5; i++)
        {
            int x0 = 1 + ((i % 3) * 4), y0 = 1 + ((i / 3) * 3);
            for (int y = 0; y < 2; y++)
            {
                for (int x = 0; x < 3; x++)
                {
                    Assert.Equal(10 * (i + 1), grid.Pixels[((y0 + y) * grid.Width) + x0 + x]);
                }
            }
        }

        // Padding and the empty sixth cell keep the background.
        Assert.Equal(255, grid.Pixels[0]);
        Assert.Equal(255, grid.Pixels[(4 * grid.Width) + 9]);
    }

    [Fact]
    public void GrayTilesInAnRgbGridAreCopiedToAllChannels()
    {
        var gray = new RasterImage(1, 1, 1);
        gray.Pixels[0] = 77;
        var rgb = new RasterImage(1, 1, 3);
        rgb.Fill(1, 2, 3);
        var grid = ImageGrid.Compose([gray, rgb], columns: 2, padding: 0);
        Assert.Equal(3, grid.Channels);
        Assert.Equal(new byte[] { 77, 77, 77, 1, 2, 3 }, grid.Pixels);
    }

    [Fact]
    public void SvgChartIsWellFormedXmlWithOneLinePerSeries()
    {
        var chart = new SvgChart("a < b & c", "step", "bpd");
        chart.Add("train", [(1, 3.5), (2, 2.5), (3, double.NaN), (4, 1.9)]);
        chart.Add("test", [(4, 2.0)], markers: true);
        var doc = XDocument.Parse(chart.ToSvg());
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Single(doc.Descendants(svg + "polyline"));
        Assert.Contains(doc.Descendants(svg + "text"), t => t.Value == "a < b & c");
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.23, 1.31)]
    [InlineData(-40, 3000)]
    [InlineData(0.9, 8.1)]
    public void TicksAreRoundAndCoverTheRange(double lo, double hi)
    {
        var ticks = SvgChart.Ticks(lo, hi);
        Assert.InRange(ticks.Length, 3, 12);
        Assert.True(ticks[0] <= lo + 1e-12 && ticks[^1] >= hi - 1e-12);
        double step = ticks[1] - ticks[0];
        double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2.0, 5.0, 10.0 });
    }
}
