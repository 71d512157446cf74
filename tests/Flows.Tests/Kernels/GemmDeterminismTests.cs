using Flows.Kernels;

namespace Flows.Tests.Kernels;

/// <summary>GEMM gives the same bits for 1 and 2 threads and across repeated runs.</summary>
[Collection(ThreadSettingGroup.Name)]
public sealed class GemmDeterminismTests
{
    [Theory]
    [InlineData(512, 512, 512)]
    [InlineData(1030, 70, 300)]
    [InlineData(5, 3000, 260)]
    public void One_and_two_threads_and_repeated_runs_give_identical_bits(int m, int n, int k)
    {
        var rng = new Rng(21);
        var a = KernelTolerance.Random(m * k, rng);
        var b = KernelTolerance.Random(k * n, rng);
        int saved = Parallelism.Threads;
        try
        {
            var results = new List<float[]>();
            foreach (int threads in new[] { 1, 2, 2, 1 })
            {
                Parallelism.Threads = threads;
                var c = new float[m * n];
                Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);
                results.Add(c);
            }

            for (int i = 1; i < results.Count; i++)
            {
                Assert.Equal(results[0], results[i]);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
