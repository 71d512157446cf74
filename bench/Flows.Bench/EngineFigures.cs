using Flows.Kernels;

namespace Flows.Bench;

/// <summary>The engine figures shared by the BenchmarkDotNet classes, the quick mode and bench/python/engine_bench.py.</summary>
internal static class EngineFigures
{
    public const int GemmSize = 512;

    /// <summary>The three convolutions of the glow-mnist coupling network at batch 64 on 14×14.</summary>
    public static readonly (string Name, ConvGeometry Geometry)[] ConvShapes =
    [
        ("conv3x3_2to128", new ConvGeometry(64, 2, 128, 14, 14, 3, 3)),
        ("conv1x1_128to128", new ConvGeometry(64, 128, 128, 14, 14, 1, 1)),
        ("conv3x3_128to4", new ConvGeometry(64, 128, 4, 14, 14, 3, 3)),
    ];

    public static double GemmFlops(int m, int n, int k) => 2.0 * m * n * k;

    /// <summary>Multiply-adds ×2 of one forward pass; the input and weight gradients cost the same each.</summary>
    public static double ConvFlops(ConvGeometry g) => 2.0 * g.OutputLength * g.PatchLength;

    public static float[] Random(int length, ulong seed)
    {
        var data = new float[length];
        new Rng(seed).FillNormal(data);
        return data;
    }

    /// <summary>Buffers of one convolution benchmark.</summary>
    public sealed class ConvData(ConvGeometry g)
    {
        public ConvGeometry Geometry { get; } = g;

        public float[] X { get; } = Random(g.InputLength, 1);

        public float[] W { get; } = Random(g.WeightLength, 2);

        public float[] Y { get; } = new float[g.OutputLength];

        public float[] Dy { get; } = Random(g.OutputLength, 3);

        public float[] Dx { get; } = new float[g.InputLength];

        public float[] Dw { get; } = new float[g.WeightLength];

        public void Forward() => Conv2d.Forward(Geometry, X, W, Y);

        public void ForwardBackward()
        {
            Conv2d.Forward(Geometry, X, W, Y);
            Conv2d.BackwardInput(Geometry, Dy, W, Dx);
            Conv2d.BackwardWeight(Geometry, X, Dy, Dw);
        }
    }
}
