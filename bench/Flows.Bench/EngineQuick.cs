using System.Diagnostics;
using Flows.Kernels;

namespace Flows.Bench;

/// <summary>
/// <c>quick</c> mode: each figure as one line <c>name ms GFLOP/s</c>, the median of several timed
/// repetitions after warm-up, in the same format as bench/python/engine_bench.py.
/// Options: <c>--threads N</c> (default 2), <c>--reps N</c> (default 15), <c>--plain</c> to add the plain reference GEMM.
/// </summary>
internal static class EngineQuick
{
    public static int Run(string[] args)
    {
        int threads = 2, reps = 15;
        bool plain = false;
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
                case "--plain":
                    plain = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Parallelism.Threads = threads;
        int n = EngineFigures.GemmSize;
        float[] a = EngineFigures.Random(n * n, 1), b = EngineFigures.Random(n * n, 2), c = new float[n * n];
        Line($"gemm_{n}x{n}x{n}", MedianMs(() => Gemm.Multiply(false, false, n, n, n, a, n, b, n, c, n, false), reps), EngineFigures.GemmFlops(n, n, n));
        if (plain)
        {
            Line($"gemm_{n}x{n}x{n}_plain", MedianMs(() => GemmReference.Multiply(false, false, n, n, n, a, n, b, n, c, n, false), 3), EngineFigures.GemmFlops(n, n, n));
        }

        foreach (var (name, g) in EngineFigures.ConvShapes)
        {
            var data = new EngineFigures.ConvData(g);
            double flops = EngineFigures.ConvFlops(g);
            Line($"{name}_fwd", MedianMs(data.Forward, reps), flops);
            Line($"{name}_fwdbwd", MedianMs(data.ForwardBackward, reps), 3 * flops);
        }

        return 0;
    }

    private static void Line(string name, double ms, double flops)
        => Console.WriteLine($"{name} {ms:F3} ms {flops / (ms * 1e6):F1} GFLOP/s");

    /// <summary>Median over <paramref name="reps"/> repetitions, each running the figure often enough to last ~13 ms.</summary>
    private static double MedianMs(Action figure, int reps, double minSeconds = 0.2)
    {
        for (int i = 0; i < 3; i++)
        {
            figure();
        }

        var watch = Stopwatch.StartNew();
        figure();
        double once = Math.Max(watch.Elapsed.TotalSeconds, 1e-6);
        int inner = Math.Max(1, (int)(minSeconds / reps / once));
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            watch.Restart();
            for (int i = 0; i < inner; i++)
            {
                figure();
            }

            times[r] = watch.Elapsed.TotalMilliseconds / inner;
        }

        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : 0.5 * (times[(reps / 2) - 1] + times[reps / 2]);
    }
}
