
namespace Flows.Data;

/// <summary>
/// Two-dimensional toy distributions for density-estimation experiments, drawn from a seeded
/// <see cref="Rng"/> as [N, 2] tensors: two moons, concentric rings, a mixture of eight Gaussians on a
/// circle (whose exact density <see cref="EightGaussiansLogDensity(Tensor, double, double)"/> gives),
/// and a checkerboard. All are centred near the origin and lie roughly within [−4, 4]².
/// </summary>
public static class ToyData
{
    /// <summary>The names <see cref="Sample"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["moons", "rings", "8gaussians", "checkerboard"];

    /// <summary>n points of the named distribution (see <see cref="Names"/>) with default settings.</summary>
    public static Tensor Sample(string name, int n, Rng rng) => name switch
    {
        "moons" => Moons(n, rng),
        "rings" => Rings(n, rng),
        "8gaussians" => EightGaussians(n, rng),
        "checkerboard" => Checkerboard(n, rng),
        _ => throw new ArgumentException($"Unknown toy data set '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// Two interleaving half circles (as scikit-learn's make_moons) with Gaussian noise of std
    /// <paramref name="noise"/>, shifted and scaled by 2 to be centred: each point picks a moon with probability ½.
    /// </summary>
    public static Tensor Moons(int n, Rng rng, double noise = 0.05)
    {
        var t = Create(n, rng);
        var s = t.Span;
        for (int i = 0; i < n; i++)
        {
            double angle = Math.PI * rng.NextDouble();
            bool upper = rng.NextDouble() < 0.5;
            double x = upper ? Math.Cos(angle) : 1 - Math.Cos(angle);
            double y = upper ? Math.Sin(angle) : 0.5 - Math.Sin(angle);
            x += noise * rng.NextNormal();
            y += noise * rng.NextNormal();
            s[2 * i] = (float)(2 * (x - 0.5));
            s[(2 * i) + 1] = (float)(2 * (y - 0.25));
        }

        return t;
    }

    /// <summary>Four concentric circles of radii 1, 2, 3, 4 (one picked uniformly per point), radial noise of std <paramref name="noise"/>.</summary>
    public static Tensor Rings(int n, Rng rng, double noise = 0.08)
    {
        var t = Create(n, rng);
        var s = t.Span;
        for (int i = 0; i < n; i++)
        {
            double radius = 1 + rng.NextInt(4) + (noise * rng.NextNormal());
            double angle = 2 * Math.PI * rng.NextDouble();
            s[2 * i] = (float)(radius * Math.Cos(angle));
            s[(2 * i) + 1] = (float)(radius * Math.Sin(angle));
        }

        return t;
    }

    /// <summary>
    /// An equal-weight mixture of eight isotropic Gaussians of std <paramref name="std"/> centred at
    /// radius·(cos kπ/4, sin kπ/4), k = 0..7.
    /// </summary>
    public static Tensor EightGaussians(int n, Rng rng, double radius = 2.0, double std = 0.5)
    {
        var t = Create(n, rng);
        var s = t.Span;
        for (int i = 0; i < n; i++)
        {
            int k = rng.NextInt(8);
            s[2 * i] = (float)((radius * Math.Cos(k * Math.PI / 4)) + (std * rng.NextNormal()));
            s[(2 * i) + 1] = (float)((radius * Math.Sin(k * Math.PI / 4)) + (std * rng.NextNormal()));
        }

        return t;
    }

    /// <summary>The exact log-density (nats) of <see cref="EightGaussians"/> at each point of [N, 2]: log (1/8) Σ_k N(x; μ_k, σ²I).</summary>
    public static double[] EightGaussiansLogDensity(Tensor points, double radius = 2.0, double std = 0.5)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Rank != 2 || points.Shape[1] != 2)
        {
            throw new ArgumentException($"Points must be [N, 2], got {Tensor.FormatShape(points.Shape)}.", nameof(points));
        }

        int n = points.Shape[0];
        var result = new double[n];
        var s = points.Span;
        for (int i = 0; i < n; i++)
        {
            result[i] = EightGaussiansLogDensity(s[2 * i], s[(2 * i) + 1], radius, std);
        }

        return result;
    }

    /// <summary>The exact log-density (nats) of <see cref="EightGaussians"/> at (x, y), by a stable log-sum-exp.</summary>
    public static double EightGaussiansLogDensity(double x, double y, double radius = 2.0, double std = 0.5)
    {
        Span<double> terms = stackalloc double[8];
        double max = double.NegativeInfinity;
        double variance = std * std;
        for (int k = 0; k < 8; k++)
        {
            double dx = x - (radius * Math.Cos(k * Math.PI / 4));
            double dy = y - (radius * Math.Sin(k * Math.PI / 4));
            terms[k] = -((dx * dx) + (dy * dy)) / (2 * variance);
            max = Math.Max(max, terms[k]);
        }

        double sum = 0;
        foreach (double v in terms)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum) - Math.Log(8) - Math.Log(2 * Math.PI * variance);
    }

    /// <summary>
    /// Uniform on the dark squares of a 4×4 checkerboard over [−4, 4]² (squares of side 2, eight of them).
    /// </summary>
    public static Tensor Checkerboard(int n, Rng rng)
    {
        var t = Create(n, rng);
        var s = t.Span;
        for (int i = 0; i < n; i++)
        {
            double x1 = (rng.NextDouble() * 4) - 2;
            double x2 = rng.NextDouble() - (2 * rng.NextInt(2));
            x2 += Math.Floor(x1) - (2 * Math.Floor(Math.Floor(x1) / 2)); // + (⌊x1⌋ mod 2), also for negative x1
            s[2 * i] = (float)(2 * x1);
            s[(2 * i) + 1] = (float)(2 * x2);
        }

        return t;
    }

    private static Tensor Create(int n, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 0);
        return Tensor.Zeros(n, 2);
    }
}
