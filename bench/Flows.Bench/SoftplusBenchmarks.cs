using BenchmarkDotNet.Attributes;
using Flows.Autodiff;

namespace Flows.Bench;

/// <summary>
/// Softplus / log-sigmoid forward (SigmoidAffineTransform's log σ(s + 2)) over 2¹⁸ elements: the SIMD float path
/// against its scalar double-precision twin.
/// </summary>
public class SoftplusBenchmarks
{
    private readonly float[] _x = new float[1 << 18];
    private readonly float[] _y = new float[1 << 18];

    [GlobalSetup]
    public void Setup() => new Rng(1).FillNormal(_x, 0f, 3f);

    [Benchmark(Baseline = true)]
    public void Plain()
    {
        for (int i = 0; i < _x.Length; i++)
        {
            _y[i] = -Ops.StableSoftplus(-_x[i]);
        }
    }

    [Benchmark]
    public void Simd() => Ops.SoftplusInto(_x, _y, negate: true);
}
