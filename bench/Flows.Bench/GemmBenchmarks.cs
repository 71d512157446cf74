using BenchmarkDotNet.Attributes;
using Flows.Kernels;

namespace Flows.Bench;

/// <summary>GEMM 512³ on 2 threads: the blocked SIMD kernel against the scalar micro-kernel and the plain triple loop.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private const int N = EngineFigures.GemmSize;
    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.Threads = 2;
        _a = EngineFigures.Random(N * N, 1);
        _b = EngineFigures.Random(N * N, 2);
        _c = new float[N * N];
    }

    [Benchmark(Baseline = true)]
    public void Plain() => GemmReference.Multiply(false, false, N, N, N, _a, N, _b, N, _c, N, false);

    [Benchmark]
    public void ScalarKernel() => Gemm.Multiply(GemmPath.Scalar, false, false, N, N, N, _a, N, _b, N, _c, N, false, parallel: true);

    [Benchmark]
    public void Fast() => Gemm.Multiply(false, false, N, N, N, _a, N, _b, N, _c, N, false);
}
