using Flows.Kernels;

namespace Flows.Tests.Kernels;

/// <summary>The convolution paths (im2col, windows with direct tiles, windows over spans only) against <see cref="ConvReference"/>.</summary>
public sealed class Conv2dTests
{
    public static TheoryData<string> Paths => new() { nameof(ConvPath.Im2col), nameof(ConvPath.Window), nameof(ConvPath.WindowSpans) };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Odd_sizes_kernels_and_channel_counts_match_the_reference(string pathName)
    {
        var path = Enum.Parse<ConvPath>(pathName);
        if (!Conv2d.IsSupported(path))
        {
            return;
        }

        var rng = new Rng(31);
        int[] sizes = [1, 2, 3, 4, 5, 7, 14, 17];
        (int Kh, int Kw)[] kernels = [(1, 1), (3, 3), (5, 5), (3, 5), (1, 3), (7, 7)];
        for (int trial = 0; trial < 120; trial++)
        {
            var (kh, kw) = kernels[trial % kernels.Length];
            var g = new ConvGeometry(1 + rng.NextInt(3), 1 + rng.NextInt(20), 1 + rng.NextInt(20),
                sizes[rng.NextInt(sizes.Length)], sizes[rng.NextInt(sizes.Length)], kh, kw);
            Check(path, g, rng);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_channel_count_from_1_to_20_matches_the_reference(string pathName)
    {
        var path = Enum.Parse<ConvPath>(pathName);
        if (!Conv2d.IsSupported(path))
        {
            return;
        }

        var rng = new Rng(32);
        for (int c = 1; c <= 20; c++)
        {
            Check(path, new ConvGeometry(2, c, 21 - c, 5, 9, 3, 3), rng);
            Check(path, new ConvGeometry(1, 3, c, 6, 7, 1, 1), rng);
        }
    }

    [Fact]
    public void Few_output_channels_over_spans_of_every_vector_count_match_the_reference()
    {
        // One or two rows of width w give spans of 1..20 vectors of 16, so the window path walks
        // every wide-tile width (3..8 vectors) and the 16/32 remainders for 1..6 output channels.
        var rng = new Rng(34);
        for (int co = 1; co <= 6; co++)
        {
            for (int w = 12; w <= 160; w += 16)
            {
                Check(BestPath(), new ConvGeometry(2, 3, co, 1 + (w / 16 % 2), w, 3, 3), rng);
            }
        }
    }

    [Theory]
    [InlineData(2, 128, 3)]
    [InlineData(128, 128, 1)]
    [InlineData(128, 4, 3)]
    [InlineData(13, 30, 5)]
    public void The_benchmark_model_shapes_match_the_reference(int inChannels, int outChannels, int kernel)
    {
        var rng = new Rng(33);
        foreach (var path in Enum.GetValues<ConvPath>())
        {
            if (Conv2d.IsSupported(path))
            {
                Check(path, new ConvGeometry(3, inChannels, outChannels, 14, 14, kernel, kernel), rng);
            }
        }
    }

    [Theory]
    [InlineData(3, 128, 128, 14, 14, 1)] // glow-mnist level 0: 196 = 6·32 + 4 positions
    [InlineData(3, 128, 128, 7, 7, 1)] // level 1: 49 = 32 + 17
    [InlineData(3, 2, 128, 14, 14, 3)]
    [InlineData(2, 4, 128, 7, 7, 3)]
    [InlineData(2, 300, 13, 5, 7, 1)] // two depth passes (256 + 44), one full and one 1-row sliver
    [InlineData(2, 7, 25, 8, 4, 3)] // 32 positions: no tail; depth 63
    [InlineData(2, 5, 40, 3, 3, 1)] // 9 positions: only a tail
    [InlineData(1, 1, 14, 1, 1, 1)]
    [InlineData(19, 16, 16, 14, 14, 1)] // tails of 4 positions, 8 images to a tail tile: groups of 8, 8, 3
    [InlineData(5, 3, 20, 4, 12, 1)] // tails of 16: 2 images to a tile
    [InlineData(7, 2, 24, 2, 5, 3)] // 10 positions, only tails: 3 images to a tile, unfolded depth 18
    [InlineData(3, 4, 4, 14, 14, 1)] // Glow's invertible 1×1 convolution, level 0
    [InlineData(3, 8, 8, 7, 7, 1)] // and level 1
    [InlineData(2, 3, 1, 9, 11, 1)]
    public void Direct_tiles_give_the_same_bits_as_the_spans_they_replace(int batch, int inChannels, int outChannels, int height, int width, int kernel)
    {
        if (!Conv2d.IsSupported(ConvPath.Window))
        {
            return;
        }

        var g = new ConvGeometry(batch, inChannels, outChannels, height, width, kernel, kernel);
        var rng = new Rng(35);
        var x = KernelTolerance.Random(g.InputLength, rng);
        var w = KernelTolerance.Random(g.WeightLength, rng);
        float[] direct = Filled(g.OutputLength, float.NaN), spans = Filled(g.OutputLength, float.NaN);
        Conv2d.Forward(ConvPath.Window, g, x, w, direct);
        Conv2d.Forward(ConvPath.WindowSpans, g, x, w, spans);
        Assert.Equal(spans, direct);

        // The input gradient of an output-heavy convolution is a forward pass with many outputs, which takes direct tiles too.
        var flipped = g with { InChannels = outChannels, OutChannels = inChannels };
        float[] dxDirect = Filled(flipped.InputLength, float.NaN), dxSpans = Filled(flipped.InputLength, float.NaN);
        var w2 = KernelTolerance.Random(flipped.WeightLength, rng);
        var y2 = KernelTolerance.Random(flipped.OutputLength, rng);
        Conv2d.BackwardInput(ConvPath.Window, flipped, y2, w2, dxDirect);
        Conv2d.BackwardInput(ConvPath.WindowSpans, flipped, y2, w2, dxSpans);
        Assert.Equal(dxSpans, dxDirect);
        Check(ConvPath.Window, g, rng);
    }

    [Fact]
    public void Few_outputs_from_many_inputs_match_the_reference()
    {
        // The tap-rows path (at most 12 outputs, 16 or more inputs, kernels above 1×1): rows wider than one
        // vector (17, 33), single rows and columns, non-square and 5×5 kernels, 1..12 outputs.
        var rng = new Rng(36);
        (int H, int W, int Kh, int Kw)[] shapes = [(14, 14, 3, 3), (7, 7, 3, 3), (1, 17, 3, 3), (5, 1, 3, 3), (6, 33, 5, 5), (4, 9, 1, 3), (9, 4, 3, 1), (2, 2, 5, 5)];
        for (int i = 0; i < shapes.Length; i++)
        {
            var (h, w, kh, kw) = shapes[i];
            Check(BestPath(), new ConvGeometry(2, 16 + (3 * i), 1 + (i * 11 / 7), h, w, kh, kw), rng);
        }

        for (int co = 1; co <= 12; co++)
        {
            Check(BestPath(), new ConvGeometry(1, 20, co, 5, 6, 3, 3), rng);
        }
    }

    [Fact]
    public void Empty_batch_leaves_a_zero_weight_gradient()
    {
        var g = new ConvGeometry(0, 2, 3, 4, 4, 3, 3);
        var dw = new float[g.WeightLength];
        Array.Fill(dw, 5f);
        Conv2d.BackwardWeight(g, [], [], dw);
        Assert.All(dw, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Even_kernels_and_short_buffers_are_rejected()
    {
        var buffer = new float[1000];
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(new ConvGeometry(1, 1, 1, 4, 4, 2, 2), buffer, buffer, buffer));
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(new ConvGeometry(2, 8, 8, 8, 8, 3, 3), buffer, buffer, buffer));
    }

    /// <summary>Forward, input gradient and weight gradient of <paramref name="g"/> on <paramref name="path"/> against the reference.</summary>
    internal static void Check(ConvPath path, ConvGeometry g, Rng rng)
    {
        var x = KernelTolerance.Random(g.InputLength, rng);
        var w = KernelTolerance.Random(g.WeightLength, rng);
        var dy = KernelTolerance.Random(g.OutputLength, rng);
        float[] absX = KernelTolerance.Abs(x), absW = KernelTolerance.Abs(w), absDy = KernelTolerance.Abs(dy);
        string what = $"{path} {g}";

        var expected = new float[g.OutputLength];
        var bound = new float[g.OutputLength];
        var actual = Filled(g.OutputLength, float.NaN);
        ConvReference.Forward(g, x, w, expected);
        ConvReference.Forward(g, absX, absW, bound);
        Conv2d.Forward(path, g, x, w, actual);
        KernelTolerance.AssertClose(expected, actual, bound, g.PatchLength, $"forward {what}");

        expected = new float[g.InputLength];
        bound = new float[g.InputLength];
        actual = Filled(g.InputLength, float.NaN);
        ConvReference.BackwardInput(g, dy, w, expected);
        ConvReference.BackwardInput(g, absDy, absW, bound);
        Conv2d.BackwardInput(path, g, dy, w, actual);
        KernelTolerance.AssertClose(expected, actual, bound, g.OutChannels * g.KernelHeight * g.KernelWidth, $"input gradient {what}");

        expected = new float[g.WeightLength];
        bound = new float[g.WeightLength];
        actual = Filled(g.WeightLength, float.NaN);
        ConvReference.BackwardWeight(g, x, dy, expected);
        ConvReference.BackwardWeight(g, absX, absDy, bound);
        Conv2d.BackwardWeight(path, g, x, dy, actual);
        KernelTolerance.AssertClose(expected, actual, bound, g.Batch * g.Plane, $"weight gradient {what}");
    }

    private static ConvPath BestPath() => Conv2d.IsSupported(ConvPath.Window) ? ConvPath.Window : ConvPath.Im2col;

    private static float[] Filled(int length, float value)
    {
        var data = new float[length];
        Array.Fill(data, value);
        return data;
    }
}
