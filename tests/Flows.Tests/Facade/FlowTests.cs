
namespace Flows.Tests.Facade;

/// <summary>
/// The façade as a user calls it: a tabular flow learns a known density (the entropy of a Gaussian is the
/// brute-force answer), save and load give the same bits, encode and decode invert each other, and an image
/// flow fits, scores and samples; bad input ends with a message naming the mismatch.
/// </summary>
public sealed class FlowTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flows-facade-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Rows of N(0, [[1, ρ], [ρ, 1]]).</summary>
    private static float[,] Correlated(int n, double rho, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[n, 2];
        for (int i = 0; i < n; i++)
        {
            double a = rng.NextNormal(), b = rng.NextNormal();
            x[i, 0] = (float)a;
            x[i, 1] = (float)((rho * a) + (Math.Sqrt(1 - (rho * rho)) * b));
        }

        return x;
    }

    [Fact]
    public void A_tabular_realnvp_learns_a_correlated_gaussian_to_within_a_few_hundredths_of_a_nat()
    {
        const double rho = 0.9;
        var train = Correlated(4096, rho, 1);
        var test = Correlated(4096, rho, 2);

        // Brute force: E[-log p] of the true density is its entropy, ln(2πe) + ½ ln(1 − ρ²) = 2.0075 nats.
        double entropy = Math.Log(2 * Math.PI * Math.E) + (0.5 * Math.Log(1 - (rho * rho)));
        var flow = Flow.Create(FlowSpec.RealNvp(steps: 4, hidden: 32), 2);
        double before = -flow.LogProb(test).Average();
        var reports = new List<FitProgress>();
        var result = flow.Fit(train, new FitOptions { Steps = 600, Batch = 256, LearningRate = 3e-3 }, new SyncProgress<FitProgress>(reports.Add));
        double after = -flow.LogProb(test).Average();

        Assert.Equal(600, result.Steps);
        Assert.False(result.Cancelled);
        Assert.Equal(600, reports.Count);
        Assert.Equal(600, reports[^1].Step);
        Assert.True(before > entropy + 0.5, $"untrained {before:F4} should be far from the entropy {entropy:F4}");
        Assert.InRange(after, entropy - 0.05, entropy + 0.05);
    }

    [Fact]
    public void Fit_over_two_ranks_gives_every_rank_the_same_model_and_follows_one_process()
    {
        var train = Correlated(1024, 0.9, 1);
        var test = Correlated(256, 0.9, 2);
        var options = new FitOptions { Steps = 60, Batch = 64, LearningRate = 3e-3 };
        var one = Flow.Create(FlowSpec.RealNvp(steps: 4, hidden: 16), 2);
        one.Fit(train, options);
        var expected = one.LogProb(test);

        var reports = new int[2];
        var ranks = Distributed.ThreadCommunicator.Run(2, comm =>
        {
            var flow = Flow.Create(FlowSpec.RealNvp(steps: 4, hidden: 16), 2);
            var result = flow.Fit(train, options with { Communicator = comm }, new SyncProgress<FitProgress>(_ => reports[comm.Rank]++));
            Assert.Equal(60, result.Steps);
            return flow.LogProb(test);
        });

        Assert.Equal(ranks[0], ranks[1]); // the same bits on both ranks
        Assert.Equal([60, 0], reports); // progress on rank 0 only
        double diff = expected.Zip(ranks[0]).Max(z => Math.Abs(z.First - z.Second));
        Assert.True(diff < 1e-2, $"log-densities differ from one process by up to {diff} nats after 60 Adam steps");
    }

    [Fact]
    public void Save_and_load_give_the_same_bits_and_encode_decode_invert_each_other()
    {
        var data = Correlated(512, 0.5, 3);
        var flow = Flow.Create(FlowSpec.Glow(steps: 3, hidden: 16), 2);
        flow.Fit(data, new FitOptions { Steps = 40 });
        string path = Path.Combine(_root, "tabular");
        flow.Save(path);
        var loaded = Flow.Load(path);

        Assert.Equal(FlowKind.Glow, loaded.Kind);
        Assert.Equal(flow.LogProb(data), loaded.LogProb(data));
        Assert.Equal(flow.Sample(20, 1, seed: 9), loaded.Sample(20, 1, seed: 9));
        Assert.NotEqual(flow.Sample(20, 1, seed: 9), flow.Sample(20, 1, seed: 10));

        var z = flow.Encode(data);
        var back = flow.Decode(z);
        for (int i = 0; i < data.GetLength(0); i++)
        {
            Assert.InRange(Math.Abs(back[i, 0] - data[i, 0]) + Math.Abs(back[i, 1] - data[i, 1]), 0, 1e-4);
        }

        // Temperature 0 gives the mode of the latent: every sample the same point.
        var mode = flow.Sample(3, 0, seed: 1);
        Assert.Equal(mode[0, 0], mode[2, 0]);
    }

    [Fact]
    public void A_class_conditional_glow_with_a_logit_fits_labelled_images_and_samples_a_chosen_label()
    {
        // Label = which half holds a bright bar: the top (0) or the bottom (1).
        var rng = new Rng(6);
        var pixels = new byte[64 * 64];
        var labels = new byte[64];
        for (int i = 0; i < 64; i++)
        {
            labels[i] = (byte)(i % 2);
            for (int p = 0; p < 64; p++)
            {
                bool on = (p / 8 < 4) == (labels[i] == 0);
                pixels[(i * 64) + p] = (byte)(on ? 200 + rng.NextInt(40) : rng.NextInt(30));
            }
        }

        var images = ImageData.FromPixels(pixels, 64, 1, 8, 8, labels);
        var flow = Flow.Create(FlowSpec.Glow(levels: 2, steps: 2, hidden: 16) with { Logit = 1e-6f, Classes = 2 }, images.Shape);
        flow.Fit(images, new FitOptions { Steps = 300, Batch = 16 });
        foreach (int label in (int[])[0, 1])
        {
            var drawn = flow.SampleImages(20, 0.7f, seed: 3, label: label);
            double top = 0, bottom = 0;
            for (int i = 0; i < drawn.Count; i++)
            {
                var image = drawn.Images.Pixels.AsSpan(i * 64, 64);
                for (int p = 0; p < 64; p++)
                {
                    (p / 8 < 4 ? ref top : ref bottom) += image[p];
                }
            }

            Assert.True(label == 0 ? top > bottom : bottom > top, $"label {label}: brightness top {top}, bottom {bottom}");
        }

        Assert.Throws<ArgumentException>(() => flow.SampleImages(2, label: 2));
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.Nice() with { Logit = 0.05f }, 1, 8, 8));
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.RealNvp() with { Classes = 3 }, 1, 8, 8));
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.Glow() with { Logit = 0.7f }, 1, 8, 8));
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.Glow(levels: 1, steps: 1, hidden: 4), 1, 8, 8).SampleImages(1, label: 0));
    }

    [Fact]
    public void An_image_glow_fits_scores_samples_and_survives_save_and_load()
    {
        // 64 grey 8x8 images: a bright square in one of four places, so there is structure to learn.
        var rng = new Rng(5);
        var pixels = new byte[64 * 64];
        for (int i = 0; i < 64; i++)
        {
            int corner = i % 4, ox = (corner % 2) * 4, oy = (corner / 2) * 4;
            for (int y = 0; y < 8; y++)
            {
                for (int x = 0; x < 8; x++)
                {
                    bool on = x >= ox && x < ox + 4 && y >= oy && y < oy + 4;
                    pixels[(i * 64) + (y * 8) + x] = (byte)(on ? 200 + rng.NextInt(40) : rng.NextInt(30));
                }
            }
        }

        var images = ImageData.FromPixels(pixels, 64, 1, 8, 8);
        var flow = Flow.Create(FlowSpec.Glow(levels: 2, steps: 2, hidden: 16), images.Shape);
        double before = flow.BitsPerDim(images).Average();
        var result = flow.Fit(images, new FitOptions { Steps = 60, Batch = 16 });
        double after = flow.BitsPerDim(images).Average();
        Assert.Equal(60, result.Steps);
        Assert.True(after < before - 1, $"bits/dim {before:F3} → {after:F3}");

        var samples = flow.SampleImages(5, 0.7f, seed: 2);
        Assert.Equal(5, samples.Count);
        Assert.Equal(new[] { 1, 8, 8 }, samples.Shape);

        string path = Path.Combine(_root, "images");
        flow.Save(path);
        Assert.Equal(flow.BitsPerDim(images), Flow.Load(path).BitsPerDim(images));

        var e = Assert.Throws<ArgumentException>(() => flow.Fit(ImageData.FromPixels(new byte[3 * 16 * 16], 1, 3, 16, 16)));
        Assert.Contains("[3, 16, 16]", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => flow.Sample(3));
    }

    [Fact]
    public void A_calibrated_tabular_flow_flags_the_stated_share_of_fresh_normal_rows_and_most_anomalies()
    {
        var flow = Flow.Create(FlowSpec.RealNvp(steps: 4, hidden: 32), 2);
        flow.Fit(Correlated(4096, 0.9, 1), new FitOptions { Steps = 400, Batch = 256, LearningRate = 3e-3 });
        Assert.Throws<InvalidOperationException>(() => flow.IsOutlier(Correlated(10, 0.9, 9)));
        flow.Calibrate(Correlated(4000, 0.9, 2), 0.01, 0.05);

        var fresh = Correlated(20_000, 0.9, 3);
        var anomalies = Correlated(2_000, 0.9, 4); // moved across the ridge of the normal data: (x, y) + (1, −1)
        for (int i = 0; i < 2_000; i++)
        {
            anomalies[i, 0] += 1;
            anomalies[i, 1] -= 1;
        }

        foreach (double rate in new[] { 0.01, 0.05 })
        {
            double share = flow.IsOutlier(fresh, rate).Count(f => f) / 20_000.0;
            double spread = (4 * Math.Sqrt(rate / 4000)) + (4 * Math.Sqrt(rate / 20_000));
            Assert.InRange(share, rate - spread, rate + spread);
            Assert.True(flow.IsOutlier(anomalies, rate).Count(f => f) > 1_000, $"at {rate}, fewer than half the anomalies were flagged");
        }

        string path = Path.Combine(_root, "calibrated");
        flow.Save(path);
        var loaded = Flow.Load(path);
        Assert.Equal(flow.Calibration!.Thresholds, loaded.Calibration!.Thresholds);
        Assert.Equal(flow.IsOutlier(fresh, 0.05), loaded.IsOutlier(fresh, 0.05));
    }

    [Fact]
    public void Bad_tabular_input_names_the_row_or_the_mismatch()
    {
        var flow = Flow.Create(FlowSpec.RealNvp(steps: 2, hidden: 8), 3);
        var e = Assert.Throws<ArgumentException>(() => flow.LogProb(new float[4, 2]));
        Assert.Contains("2 columns", e.Message, StringComparison.Ordinal);
        var bad = new float[3, 3];
        bad[2, 1] = float.NaN;
        e = Assert.Throws<ArgumentException>(() => flow.Fit(bad));
        Assert.Contains("Row 2, column 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.Glow(levels: 3), 1, 28, 28));
        Assert.Throws<ArgumentException>(() => Flow.Create(FlowSpec.Glow(), 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => flow.Sample(2, float.PositiveInfinity));
    }

    [Fact]
    public void Cancellation_stops_the_fit_and_keeps_what_was_learned()
    {
        var data = Correlated(256, 0.5, 4);
        var flow = Flow.Create(FlowSpec.RealNvp(steps: 2, hidden: 8), 2);
        using var cancel = new CancellationTokenSource();
        var result = flow.Fit(data, new FitOptions { Steps = 1000 }, new SyncProgress<FitProgress>(p =>
        {
            if (p.Step == 7)
            {
                cancel.Cancel();
            }
        }), cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(7, result.Steps);
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
