namespace Flows.Tests.Kernels;

/// <summary>
/// Compares a fast kernel's output with its plain reference under the classic floating-point bound
/// for a sum of <c>terms</c> products in any order: |fast − exact| ≤ terms·u·Σ|products| (u = 2⁻²⁴),
/// plus u·|exact| for the reference's own final rounding. Σ|products| is computed by running the
/// reference on absolute values. The bound is tight enough that dropping one product or using a
/// wrong neighbour fails (see <c>GemmTests.Tolerance_rejects_a_product_missing_one_term</c>):
/// a missing term is on average Σ|products|/terms, far above terms·u·Σ|products| for terms ≲ 4000.
/// </summary>
internal static class KernelTolerance
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>Index of the first element outside the bound, or −1.</summary>
    public static int FirstViolation(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> absoluteSum, int terms)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = ((terms + 2) * U * absoluteSum[i]) + (U * Math.Abs(expected[i])) + 1e-30;
            double diff = Math.Abs((double)expected[i] - actual[i]);
            if (!(diff <= allowed))
            {
                return i;
            }
        }

        return -1;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> absoluteSum, int terms, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int bad = FirstViolation(expected, actual, absoluteSum, terms);
        if (bad >= 0)
        {
            Assert.Fail($"{what}: element {bad} is {actual[bad]:R}, reference {expected[bad]:R} (Σ|terms| {absoluteSum[bad]:R}, {terms} terms).");
        }
    }

    public static float[] Abs(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = Math.Abs(values[i]);
        }

        return result;
    }

    public static float[] Random(int length, Flows.Rng rng)
    {
        var data = new float[length];
        rng.FillNormal(data);
        return data;
    }
}
