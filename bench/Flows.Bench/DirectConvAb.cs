using System.Diagnostics;
using Flows.Kernels;

namespace Flows.Bench;

/// <summary>
/// <c>direct</c> mode: the convolution forward passes of glow-mnist that take direct tiles or tap rows,
/// timed against the window kernels over zero-bordered spans, alternating call batches in one process (a shared
/// machine's drift hits both alike). Prints min and median ms of each and whether the outputs are
/// bit-identical (tap rows sum in another order, so the largest difference is printed too). Options:
/// <c>--threads N</c> (default 2), <c>--reps N</c> (default 40).
/// </summary>
internal static class DirectConvAb
{
    private static readonly ConvGeometry[] Shapes =
    [
        new(64, 128, 128, 14, 14, 1, 1),
        new(64, 128, 128, 7, 7, 1, 1),
        new(64, 2, 128, 14, 14, 3, 3),
        new(64, 4, 128, 7, 7, 3, 3),
        new(64, 4, 4, 14, 14, 1, 1),
        new(64, 8, 8, 7, 7, 1, 1),
        new(64, 128, 4, 14, 14, 3, 3),
        new(64, 128, 8, 7, 7, 3, 3),
    ];

    public static int Run(string[] args)
    {
        int threads = 2, reps = 40;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads":
                    threads = int.Parse(args[++i]);
                    break;
                case "--reps":
                    reps = int.Parse(args[++i]);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Parallelism.Threads = threads;
        ConvPath[] paths = [ConvPath.WindowSpans, ConvPath.Window];
        foreach (var g in Shapes)
        {
            var d = new EngineFigures.ConvData(g);
            var outputs = paths.Select(_ => new float[g.OutputLength]).ToArray();
            for (int v = 0; v < paths.Length; v++)
            {
                Conv2d.Forward(paths[v], g, d.X, d.W, outputs[v]);
            }

            bool same = outputs[0].AsSpan().SequenceEqual(outputs[1]);
            float maxDiff = 0;
            for (int i = 0; i < g.OutputLength; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(outputs[0][i] - outputs[1][i]));
            }

            var times = paths.Select(_ => new List<double>()).ToArray();
            const int warmup = 5, calls = 10;
            for (int r = 0; r < warmup + reps; r++)
            {
                for (int v = 0; v < paths.Length; v++)
                {
                    var watch = Stopwatch.StartNew();
                    for (int i = 0; i < calls; i++)
                    {
                        Conv2d.Forward(paths[v], g, d.X, d.W, d.Y);
                    }

                    if (r >= warmup)
                    {
                        times[v].Add(watch.Elapsed.TotalMilliseconds / calls);
                    }
                }
            }

            string name = $"conv{g.KernelHeight}x{g.KernelWidth}_{g.InChannels}to{g.OutChannels}_{g.Height}x{g.Width}_fwd";
            for (int v = 0; v < paths.Length; v++)
            {
                times[v].Sort();
                string label = paths[v] == ConvPath.Window ? "direct" : "spans";
                Console.WriteLine($"{name} {label} min {times[v][0]:F3} median {times[v][times[v].Count / 2]:F3} ms");
            }

            Console.WriteLine($"{name} bit-identical {same} (max |difference| {maxDiff:E2})");
        }

        return 0;
    }
}
