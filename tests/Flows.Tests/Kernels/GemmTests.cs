using Flows.Kernels;

namespace Flows.Tests.Kernels;

/// <summary>Every GEMM micro-kernel family against <see cref="GemmReference"/>.</summary>
public sealed class GemmTests
{
    public static TheoryData<string> Paths => new() { nameof(GemmPath.Scalar), nameof(GemmPath.Avx2), nameof(GemmPath.Avx512) };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_size_from_0_to_70_in_each_dimension_matches_the_reference(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        if (!Gemm.IsSupported(path))
        {
            return;
        }

        var rng = new Rng(11);
        for (int s = 0; s <= 70; s++)
        {
            for (int t = 0; t < 4; t++)
            {
                bool transA = (t & 1) != 0, transB = (t & 2) != 0, accumulate = ((s + t) & 1) != 0;
                Check(path, transA, transB, s, 37, 29, accumulate, padding: 0, rng);
                Check(path, transA, transB, 19, s, 23, accumulate, padding: 1, rng);
                Check(path, transA, transB, 13, 41, s, accumulate, padding: 3, rng);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Random_small_shapes_with_padding_transposes_and_accumulation_match_the_reference(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        if (!Gemm.IsSupported(path))
        {
            return;
        }

        var rng = new Rng(12);
        for (int trial = 0; trial < 300; trial++)
        {
            Check(path, rng.NextInt(2) == 1, rng.NextInt(2) == 1, rng.NextInt(71), rng.NextInt(71), rng.NextInt(71),
                rng.NextInt(2) == 1, padding: rng.NextInt(3) * rng.NextInt(20), rng);
        }
    }

    [Theory]
    [InlineData(100, 300, 257, false, false)]
    [InlineData(257, 129, 513, true, false)]
    [InlineData(1030, 45, 300, false, true)]
    [InlineData(33, 1100, 270, true, true)]
    [InlineData(4, 196, 1152, false, false)]
    [InlineData(128, 18, 2000, false, true)]
    public void Hundred_sized_shapes_crossing_the_cache_blocks_match_the_reference(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Rng(13);
        foreach (var path in Enum.GetValues<GemmPath>())
        {
            if (Gemm.IsSupported(path))
            {
                Check(path, transA, transB, m, n, k, accumulate: false, padding: 0, rng);
                Check(path, transA, transB, m, n, k, accumulate: true, padding: 5, rng);
            }
        }
    }

    [Fact]
    public void Serial_and_parallel_calls_give_identical_bits()
    {
        var rng = new Rng(14);
        foreach (var (m, n, k) in new[] { (300, 500, 700), (1030, 70, 300), (7, 2100, 600) })
        {
            var a = KernelTolerance.Random(m * k, rng);
            var b = KernelTolerance.Random(k * n, rng);
            var parallel = new float[m * n];
            var serial = new float[m * n];
            Gemm.Multiply(false, true, m, n, k, a, k, b, k, parallel, n, accumulate: false);
            Gemm.MultiplySerial(false, true, m, n, k, a, k, b, k, serial, n, accumulate: false);
            Assert.Equal(serial, parallel);
        }
    }

    [Fact]
    public void Tolerance_rejects_a_product_missing_one_term()
    {
        // The same product with k − 1 depth terms (an off-by-one in a remainder loop) must fail the check
        // that the real kernels pass; so must a result shifted by one column.
        var rng = new Rng(15);
        const int m = 9, n = 35, k = 70;
        var a = KernelTolerance.Random(m * k, rng);
        var b = KernelTolerance.Random(k * n, rng);
        var exact = new float[m * n];
        var shortK = new float[m * n];
        var absSum = new float[m * n];
        GemmReference.Multiply(false, false, m, n, k, a, k, b, n, exact, n, accumulate: false);
        GemmReference.Multiply(false, false, m, n, k - 1, a, k, b, n, shortK, n, accumulate: false);
        GemmReference.Multiply(false, false, m, n, k, KernelTolerance.Abs(a), k, KernelTolerance.Abs(b), n, absSum, n, accumulate: false);
        Assert.True(KernelTolerance.FirstViolation(exact, shortK, absSum, k) >= 0);
        var shifted = exact.AsSpan(1).ToArray();
        Assert.True(KernelTolerance.FirstViolation(exact.AsSpan(0, shifted.Length), shifted, absSum, k) >= 0);
    }

    [Fact]
    public void Short_buffers_and_small_leading_dimensions_are_rejected()
    {
        var buffer = new float[12];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 4, 4, 4, buffer, 4, buffer, 4, buffer, 4, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, buffer, 2, buffer, 2, buffer, 2, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 2, buffer, 2, buffer, 2, buffer, 2, false));
    }

    /// <summary>
    /// Runs one product on <paramref name="path"/> and the reference, with leading dimensions
    /// <paramref name="padding"/> wider than the rows; C's padding columns must come back untouched.
    /// </summary>
    internal static void Check(GemmPath path, bool transA, bool transB, int m, int n, int k, bool accumulate, int padding, Rng rng)
    {
        int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
        var a = KernelTolerance.Random(Math.Max(0, (transA ? k : m) * lda), rng);
        var b = KernelTolerance.Random(Math.Max(0, (transB ? n : k) * ldb), rng);
        var c0 = KernelTolerance.Random(m * ldc, rng);
        var expected = (float[])c0.Clone();
        var absSum = KernelTolerance.Abs(c0);
        var actual = (float[])c0.Clone();
        GemmReference.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
        GemmReference.Multiply(transA, transB, m, n, k, KernelTolerance.Abs(a), lda, KernelTolerance.Abs(b), ldb, absSum, ldc, accumulate);
        Gemm.Multiply(path, transA, transB, m, n, k, a, lda, b, ldb, actual, ldc, accumulate, parallel: true);
        string what = $"{path} transA={transA} transB={transB} m={m} n={n} k={k} accumulate={accumulate} padding={padding}";
        KernelTolerance.AssertClose(expected, actual, absSum, k + 1, what);
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < ldc; j++)
            {
                Assert.Equal(c0[(i * ldc) + j], actual[(i * ldc) + j]);
            }
        }
    }
}
