using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Bench;

/// <summary>
/// <c>peak</c> mode: the machine's float32 FMA throughput right now, on 1 and on 2 threads (12 independent
/// Vector512 FMA chains per thread, registers only), three times. On a shared machine this says how much
/// of the CPU a benchmark run just had: compare-glow prints it before and after its repetitions.
/// </summary>
internal static class PeakFlops
{
    private const long Iterations = 50_000_000;

    public static int Run(string[] args)
    {
        if (!Avx512F.IsSupported)
        {
            Console.WriteLine("peak: no AVX-512 on this machine");
            return 0;
        }

        Chains(1000);
        for (int r = 0; r < 3; r++)
        {
            var watch = Stopwatch.StartNew();
            Chains(Iterations);
            double one = Flops(1, watch.Elapsed.TotalSeconds);
            watch.Restart();
            var threads = new Thread[2];
            for (int i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(() => Chains(Iterations));
                threads[i].Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            double two = Flops(2, watch.Elapsed.TotalSeconds);
            Console.WriteLine($"peak_fma 1 thread {one:F0} GFLOP/s, 2 threads {two:F0} GFLOP/s");
        }

        return 0;
    }

    private static double Flops(int threads, double seconds) => threads * Iterations * 12 * 32 / seconds / 1e9;

    private static float Chains(long iterations)
    {
        var a = Vector512.Create(1.0001f);
        var b = Vector512.Create(0.9999f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, b, a);
            c1 = Avx512F.FusedMultiplyAdd(c1, b, a);
            c2 = Avx512F.FusedMultiplyAdd(c2, b, a);
            c3 = Avx512F.FusedMultiplyAdd(c3, b, a);
            c4 = Avx512F.FusedMultiplyAdd(c4, b, a);
            c5 = Avx512F.FusedMultiplyAdd(c5, b, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, b, a);
            c7 = Avx512F.FusedMultiplyAdd(c7, b, a);
            c8 = Avx512F.FusedMultiplyAdd(c8, b, a);
            c9 = Avx512F.FusedMultiplyAdd(c9, b, a);
            c10 = Avx512F.FusedMultiplyAdd(c10, b, a);
            c11 = Avx512F.FusedMultiplyAdd(c11, b, a);
        }

        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }
}
