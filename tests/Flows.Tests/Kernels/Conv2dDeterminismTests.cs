using Flows.Kernels;

namespace Flows.Tests.Kernels;

/// <summary>Convolutions give the same bits for 1 and 2 threads and across repeated runs.</summary>
[Collection(ThreadSettingGroup.Name)]
public sealed class Conv2dDeterminismTests
{
    [Theory]
    [InlineData(2, 128, 3)]
    [InlineData(128, 128, 1)]
    [InlineData(128, 4, 3)]
    public void One_and_two_threads_and_repeated_runs_give_identical_bits(int inChannels, int outChannels, int kernel)
    {
        var g = new ConvGeometry(9, inChannels, outChannels, 14, 14, kernel, kernel);
        var rng = new Rng(41);
        var x = KernelTolerance.Random(g.InputLength, rng);
        var w = KernelTolerance.Random(g.WeightLength, rng);
        var dy = KernelTolerance.Random(g.OutputLength, rng);
        int saved = Parallelism.Threads;
        try
        {
            var runs = new List<(float[] Y, float[] Dx, float[] Dw)>();
            foreach (int threads in new[] { 1, 2, 2, 1 })
            {
                Parallelism.Threads = threads;
                var run = (new float[g.OutputLength], new float[g.InputLength], new float[g.WeightLength]);
                Conv2d.Forward(g, x, w, run.Item1);
                Conv2d.BackwardInput(g, dy, w, run.Item2);
                Conv2d.BackwardWeight(g, x, dy, run.Item3);
                runs.Add(run);
            }

            for (int i = 1; i < runs.Count; i++)
            {
                Assert.Equal(runs[0].Y, runs[i].Y);
                Assert.Equal(runs[0].Dx, runs[i].Dx);
                Assert.Equal(runs[0].Dw, runs[i].Dw);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
