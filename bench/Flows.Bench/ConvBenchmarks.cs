using BenchmarkDotNet.Attributes;
using Flows.Kernels;

namespace Flows.Bench;

/// <summary>
/// Forward + input gradient + weight gradient of the three glow-mnist coupling convolutions at batch 64
/// on 14×14, 2 threads: the fast path against im2col + GEMM and the plain direct loops.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private EngineFigures.ConvData _data = null!;

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = string.Empty;

    public static IEnumerable<string> Shapes => EngineFigures.ConvShapes.Select(s => s.Name);

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.Threads = 2;
        _data = new EngineFigures.ConvData(EngineFigures.ConvShapes.First(s => s.Name == Shape).Geometry);
    }

    [Benchmark(Baseline = true)]
    public void Plain()
    {
        var d = _data;
        ConvReference.Forward(d.Geometry, d.X, d.W, d.Y);
        ConvReference.BackwardInput(d.Geometry, d.Dy, d.W, d.Dx);
        ConvReference.BackwardWeight(d.Geometry, d.X, d.Dy, d.Dw);
    }

    [Benchmark]
    public void Im2col()
    {
        var d = _data;
        Conv2d.Forward(ConvPath.Im2col, d.Geometry, d.X, d.W, d.Y);
        Conv2d.BackwardInput(ConvPath.Im2col, d.Geometry, d.Dy, d.W, d.Dx);
        Conv2d.BackwardWeight(ConvPath.Im2col, d.Geometry, d.X, d.Dy, d.Dw);
    }

    [Benchmark]
    public void Fast() => _data.ForwardBackward();
}
