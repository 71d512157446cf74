using Flows.Data;
using MathNet.Numerics.Distributions;

namespace Flows.Tests.Data;

public sealed class ToyDataTests
{
    [Theory]
    [InlineData("moons")]
    [InlineData("rings")]
    [InlineData("8gaussians")]
    [InlineData("checkerboard")]
    public void Same_seed_gives_the_same_points_and_another_seed_other_points(string name)
    {
        var a = ToyData.Sample(name, 500, new Rng(5));
        var b = ToyData.Sample(name, 500, new Rng(5));
        var c = ToyData.Sample(name, 500, new Rng(6));
        Assert.Equal([500, 2], a.Shape);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), c.ToArray());
        Assert.All(a.ToArray(), v => Assert.True(Math.Abs(v) < 6f, $"{name}: point coordinate {v}"));
    }

    [Fact]
    public void Unknown_name_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ToyData.Sample("spirals", 1, new Rng(1)));
    }

    [Fact]
    public void Eight_gaussians_log_density_matches_an_independent_mixture_and_integrates_to_one()
    {
        const double radius = 2.0, std = 0.5;
        for (double x = -3; x <= 3; x += 0.7)
        {
            for (double y = -3; y <= 3; y += 0.9)
            {
                double p = 0;
                for (int k = 0; k < 8; k++)
                {
                    double angle = 2 * Math.PI * k / 8;
                    p += Normal.PDF(radius * Math.Cos(angle), std, x) * Normal.PDF(radius * Math.Sin(angle), std, y) / 8;
                }

                Assert.Equal(Math.Log(p), ToyData.EightGaussiansLogDensity(x, y, radius, std), 1e-9);
            }
        }

        double h = 0.04, mass = 0;
        for (double x = -6 + (h / 2); x < 6; x += h)
        {
            for (double y = -6 + (h / 2); y < 6; y += h)
            {
                mass += Math.Exp(ToyData.EightGaussiansLogDensity(x, y, radius, std));
            }
        }

        Assert.Equal(1.0, mass * h * h, 1e-4);
    }

    [Fact]
    public void Eight_gaussians_samples_have_the_mixture_moments()
    {
        const double radius = 2.0, std = 0.3;
        var points = ToyData.EightGaussians(20000, new Rng(7), radius, std);
        double mx = 0, my = 0, r2 = 0;
        for (int i = 0; i < 20000; i++)
        {
            double x = points[i, 0], y = points[i, 1];
            mx += x;
            my += y;
            r2 += (x * x) + (y * y);
        }

        Assert.Equal(0, mx / 20000, 0.05);
        Assert.Equal(0, my / 20000, 0.05);
        Assert.Equal((radius * radius) + (2 * std * std), r2 / 20000, 0.05);

        // The mean log-density of samples estimates minus the entropy, close to that of 8 well-separated blobs.
        double meanLogDensity = ToyData.EightGaussiansLogDensity(points, radius, std).Average();
        double blobs = -Math.Log(8) - Math.Log(2 * Math.PI * Math.E * std * std);
        Assert.Equal(blobs, meanLogDensity, 0.05);
    }

    [Fact]
    public void Checkerboard_points_lie_on_the_dark_squares_of_the_board()
    {
        var points = ToyData.Checkerboard(4000, new Rng(8));
        var counts = new int[4, 4];
        for (int i = 0; i < 4000; i++)
        {
            int cx = (int)Math.Floor(points[i, 0] / 2), cy = (int)Math.Floor(points[i, 1] / 2);
            Assert.InRange(cx, -2, 1);
            Assert.InRange(cy, -2, 1);
            Assert.True((cx + cy) % 2 == 0, $"({points[i, 0]}, {points[i, 1]}) is on a light square.");
            counts[cx + 2, cy + 2]++;
        }

        // All eight dark squares are used, about equally (500 expected each).
        foreach (int c in counts)
        {
            Assert.True(c == 0 || (c > 400 && c < 600), $"square count {c}");
        }
    }

    [Fact]
    public void Rings_and_moons_lie_near_their_curves()
    {
        var rings = ToyData.Rings(2000, new Rng(9));
        for (int i = 0; i < 2000; i++)
        {
            double r = Math.Sqrt((rings[i, 0] * rings[i, 0]) + (rings[i, 1] * rings[i, 1]));
            Assert.True(Math.Abs(r - Math.Round(r)) < 0.5 && Math.Round(r) is >= 1 and <= 4, $"radius {r}");
        }

        var moons = ToyData.Moons(2000, new Rng(10), noise: 0.0);
        for (int i = 0; i < 2000; i++)
        {
            // Undo the centring: the upper moon is the unit circle's upper half, the lower one is centred at (1, 0.5).
            double x = (moons[i, 0] / 2) + 0.5, y = (moons[i, 1] / 2) + 0.25;
            double upper = Math.Abs(Math.Sqrt((x * x) + (y * y)) - 1);
            double lower = Math.Abs(Math.Sqrt(((x - 1) * (x - 1)) + ((y - 0.5) * (y - 0.5))) - 1);
            Assert.True(Math.Min(upper, lower) < 1e-5, $"({x}, {y}) is on neither moon.");
        }
    }
}
