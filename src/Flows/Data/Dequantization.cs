
namespace Flows.Data;

/// <summary>
/// Glow's preprocessing of 8-bit images reduced to <see cref="Bits"/> bits: with b = 2^Bits bins,
/// x = (⌊pixel / 2^(8−Bits)⌋ + u) / b − ½, u ~ U[0, 1) drawn fresh every time an image is used
/// (uniform dequantization). The discrete log-likelihood is then log p(x) − D·ln b, so
/// bits per dimension are bpd = (−log p(x) + D·ln b) / (D·ln 2), which for 8 bits is
/// (−log p(x) + D·ln 256) / (D·ln 2).
/// </summary>
public sealed class Dequantization
{
    /// <summary>The preprocessing that keeps <paramref name="bits"/> bits per pixel (1 to 8).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is outside [1, 8].</exception>
    public Dequantization(int bits = 8)
    {
        if (bits is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Bits per pixel must be between 1 and 8.");
        }

        Bits = bits;
    }

    /// <summary>Bits kept per pixel (8 = none dropped).</summary>
    public int Bits { get; }

    /// <summary>Number of discrete levels, 2^Bits.</summary>
    public int Bins => 1 << Bits;

    /// <summary>Maps pixels to dequantized x; <paramref name="rng"/> supplies u (null: u = ½, the bin centre).</summary>
    public void Apply(ReadOnlySpan<byte> pixels, Span<float> x, Rng? rng)
    {
        if (x.Length != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} pixels into {x.Length} values.", nameof(x));
        }

        int shift = 8 - Bits;
        float inv = 1f / Bins;
        for (int i = 0; i < pixels.Length; i++)
        {
            float u = rng is null ? 0.5f : rng.NextFloat();
            x[i] = (((pixels[i] >> shift) + u) * inv) - 0.5f;
        }
    }

    /// <summary>Glow's inverse for display: pixel = clip(⌊(x + ½)·b⌋ · 256/b, 0, 255).</summary>
    public void ToPixels(ReadOnlySpan<float> x, Span<byte> pixels)
    {
        if (x.Length != pixels.Length)
        {
            throw new ArgumentException($"{x.Length} values into {pixels.Length} pixels.", nameof(pixels));
        }

        int step = 256 / Bins;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            double level = float.IsNaN(v) ? 0 : Math.Floor((v + 0.5) * Bins);
            level = Math.Clamp(level, 0, Bins - 1);
            pixels[i] = (byte)Math.Min(255, level * step);
        }
    }

    /// <summary>Bits per dimension of one sample from its continuous log-density (nats) over <paramref name="dimensions"/> dimensions.</summary>
    public double BitsPerDim(double logProb, int dimensions) => BitsPerDim(logProb, dimensions, Bits);

    /// <summary>bpd = (−log p(x) + D·ln 2^bits) / (D·ln 2).</summary>
    public static double BitsPerDim(double logProb, int dimensions, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        return (-logProb + (dimensions * bits * Math.Log(2))) / (dimensions * Math.Log(2));
    }
}
