using BenchmarkDotNet.Attributes;
using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Bench;

/// <summary>ReLU backward over one glow-mnist hidden activation (64·128·14·14): SIMD select against the scalar branch.</summary>
public class ReluBackwardBenchmarks
{
    private readonly float[] _x = new float[64 * 128 * 14 * 14];
    private readonly float[] _g = new float[64 * 128 * 14 * 14];
    private readonly float[] _gx = new float[64 * 128 * 14 * 14];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        rng.FillNormal(_x);
        rng.FillNormal(_g);
    }

    [Benchmark(Baseline = true)]
    public void Plain() => Elementwise.ReluBackwardScalar(_x, _g, _gx);

    [Benchmark]
    public void Simd() => Elementwise.ReluBackward(_x, _g, _gx);
}
