using Flows.Data;
using Flows.Distributed;
using Flows.Models;
using Flows.Optim;
using Flows.Training;

namespace Flows.Tests.Distributed;

/// <summary>
/// Data-parallel training with ranks as threads (<see cref="ThreadCommunicator"/>): the ranks stay bit-identical,
/// follow one process to within float reordering, evaluate the same bits as one process, and a rank that
/// drifts is caught. The same over real MPI ranks: Flows.Cli.Tests, MpiTrainingTests.
/// </summary>
public sealed class DataParallelTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static ImageSplit Images(int count, int side, ulong seed)
    {
        // Smooth blobs plus noise, so the flow has something to learn.
        var pixels = new byte[count * side * side];
        var rng = new Rng(seed);
        for (int n = 0; n < count; n++)
        {
            float cx = rng.NextFloat() * side, cy = rng.NextFloat() * side;
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    double d2 = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy));
                    pixels[(n * side * side) + (y * side) + x] = (byte)Math.Clamp((255 * Math.Exp(-d2 / 6)) + (20 * rng.NextFloat()), 0, 255);
                }
            }
        }

        // Labels from the blob's row (top, middle, bottom third), for the class-conditional runs.
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int brightest = 0;
            for (int i = 1; i < side * side; i++)
            {
                brightest = pixels[(n * side * side) + i] > pixels[(n * side * side) + brightest] ? i : brightest;
            }

            labels[n] = (byte)(3 * (brightest / side) / side);
        }

        return new ImageSplit(new ImageSet(pixels, count, 1, side, side, labels), new Dequantization(8));
    }

    private static Trainer Glow(DataSplit split, int batch, Communicator communicator, bool memoryEfficient = true, bool adam = true, int classes = 0)
    {
        var model = Flows.Models.Glow.Create(new GlowConfig { DataShape = [1, 8, 8], Levels = 2, StepsPerLevel = 2, Hidden = 8, MemoryEfficientBackprop = memoryEfficient, Classes = classes }, new Rng(11));
        Optimizer optimizer = adam ? new Adam(model.NamedParameters(), learningRate: 2e-3) : new Sgd(model.NamedParameters(), learningRate: 0.02);
        return new Trainer(model, optimizer, null, split, Objective.BitsPerDim(64), new BatchOrder(split.Count, batch, 4), new Rng(5))
        {
            Communicator = communicator,
        };
    }

    private static float[] Parameters(FlowModel model) => [.. model.NamedParameters().SelectMany(p => p.Value.Value.ToArray())];

    [Theory]
    [InlineData(8, 2, 0)]
    [InlineData(8, 3, 0)] // shards of 3, 3 and 2
    [InlineData(8, 3, 3)] // class-conditional: each rank's shard with its own examples' labels
    public void The_summed_gradient_is_the_batch_gradient_of_one_process(int batch, int ranks, int classes)
    {
        var split = Images(48, 8, 1);
        var one = Glow(split, batch, Communicator.OneProcess, classes: classes);
        one.Optimizer.LearningRate = 0;
        one.Step();
        var expected = one.Optimizer.Parameters.Select(p => p.Value.Grad!.ToArray()).ToArray();
        var runs = ThreadCommunicator.Run(ranks, comm =>
        {
            var t = Glow(split, batch, comm, classes: classes);
            t.Optimizer.LearningRate = 0;
            t.Step();
            return t.Optimizer.Parameters.Select(p => p.Value.Grad!.ToArray()).ToArray();
        });

        // Equal to float reordering: shard means weighted by their share and summed, against one mean of the batch.
        double scale = expected.SelectMany(g => g).Max(v => Math.Abs(v));
        double diff = expected.Zip(runs[0]).SelectMany(z => z.First.Zip(z.Second, (a, b) => Math.Abs(a - b))).Max();
        output.WriteLine($"{ranks} ranks, batch {batch}, {classes} classes: summed gradient {diff:G3} from one process's (largest component {scale:G3})");
        Assert.True(scale > 0.1);
        Assert.True(diff <= 1e-6 * scale, $"gradients differ by {diff} (largest component {scale})");
        Assert.All(runs, r => Assert.Equal(runs[0], r)); // and every rank has the same bits
    }

    [Theory]
    [InlineData(8, 2, true, false)]
    [InlineData(8, 3, true, false)] // shards of 3, 3 and 2
    [InlineData(6, 2, false, false)]
    [InlineData(8, 2, true, true)]
    public void Ranks_stay_identical_and_follow_one_process(int batch, int ranks, bool memoryEfficient, bool adam)
    {
        const int steps = 12;
        var split = Images(48, 8, 1);
        var single = Glow(split, batch, Communicator.OneProcess, memoryEfficient, adam);
        var singleLoss = Enumerable.Range(0, steps).Select(_ => single.Step().Loss).ToArray();

        var runs = ThreadCommunicator.Run(ranks, comm =>
        {
            var t = Glow(split, batch, comm, memoryEfficient, adam);
            var loss = Enumerable.Range(0, steps).Select(_ => t.Step().Loss).ToArray();
            return (Loss: loss, Params: Parameters(t.Model), Checksum: RankAgreement.Checksum(t.Model, t.Optimizer), Noise: t.Noise.State);
        });

        // Every rank: the same bits (parameters, buffers and optimizer state), the same loss, the same noise stream.
        Assert.All(runs, r => Assert.Equal(runs[0].Checksum, r.Checksum));
        Assert.All(runs, r => Assert.Equal(runs[0].Loss, r.Loss));
        Assert.All(runs, r => Assert.Equal(single.Noise.State, r.Noise));

        // One process: the same up to the order of float sums. With SGD that stays at float noise; Adam's first
        // steps move every parameter by about ±lr whatever the gradient's size, so a component whose gradient is
        // float noise can take the other sign: 12 steps at lr 2e-3 then differ by up to ~1e-3 in loss.
        double lossTolerance = adam ? 2e-3 : 2e-5, parameterTolerance = adam ? 12 * 2e-3 : 1e-6;
        for (int i = 0; i < steps; i++)
        {
            Assert.True(Math.Abs(singleLoss[i] - runs[0].Loss[i]) < lossTolerance, $"step {i + 1}: loss {singleLoss[i]} in one process, {runs[0].Loss[i]} over {ranks} ranks");
        }

        var p1 = Parameters(single.Model);
        double maxDiff = p1.Zip(runs[0].Params).Max(z => Math.Abs(z.First - z.Second));
        output.WriteLine($"{ranks} ranks, batch {batch}, {(adam ? "Adam" : "SGD")}: after {steps} steps parameters up to {maxDiff:G3} from one process's, losses up to {singleLoss.Zip(runs[0].Loss).Max(z => Math.Abs(z.First - z.Second)):G3}");
        Assert.True(maxDiff < parameterTolerance, $"parameters differ by up to {maxDiff} after {steps} steps");
        Assert.True(singleLoss[^1] < singleLoss[0] - 0.1, $"training did not learn: {singleLoss[0]} → {singleLoss[^1]}");
    }

    [Fact]
    public void ActNorm_is_initialised_from_the_whole_first_batch_on_every_rank()
    {
        var split = Images(16, 8, 2);
        var single = Glow(split, 8, Communicator.OneProcess);
        single.Optimizer.LearningRate = 0; // the first step's update would hide the initialisation
        single.Step();
        var actNorm = Parameters(single.Model);
        var runs = ThreadCommunicator.Run(2, comm =>
        {
            var t = Glow(split, 8, comm);
            t.Optimizer.LearningRate = 0;
            t.Step();
            return Parameters(t.Model);
        });

        // With a zero learning rate the only change is the data-dependent initialisation: exactly one process's.
        Assert.Equal(actNorm, runs[0]);
        Assert.Equal(actNorm, runs[1]);
    }

    [Fact]
    public void Sharded_evaluation_gives_every_rank_the_bits_of_one_process()
    {
        var split = Images(37, 8, 3);
        var model = Flows.Models.Glow.Create(new GlowConfig { DataShape = [1, 8, 8], Levels = 2, StepsPerLevel = 2, Hidden = 8 }, new Rng(4));
        var t = new Trainer(model, new Adam(model.NamedParameters(), 1e-3), null, split, Objective.BitsPerDim(64), new BatchOrder(split.Count, 8, 1), new Rng(2));
        t.Step(); // initialise ActNorm and move away from the initial state
        var one = Evaluator.LogProbs(model, split, batchSize: 5);
        var runs = ThreadCommunicator.Run(3, comm => Evaluator.LogProbs(model, split, batchSize: 5, communicator: comm));
        Assert.All(runs, r => Assert.Equal(one, r));
        Assert.All(one, v => Assert.True(float.IsFinite(v) && v != 0));
    }

    [Fact]
    public void A_rank_that_drifts_is_caught_on_every_rank_and_named()
    {
        var split = Images(16, 8, 4);
        var errors = ThreadCommunicator.Run(3, comm =>
        {
            var t = Glow(split, 8, comm);
            t.Step();
            RankAgreement.CheckIdenticalState(comm, t.Model, t.Optimizer, t.StepCount); // agree so far
            if (comm.Rank == 2)
            {
                var w = t.Model.NamedParameters().First().Value.Value.Span;
                w[0] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(w[0]) ^ 1); // one bit
            }

            return Record.Exception(() => RankAgreement.CheckIdenticalState(comm, t.Model, t.Optimizer, t.StepCount));
        });

        Assert.All(errors, e =>
        {
            var d = Assert.IsType<RanksDisagreeException>(e);
            Assert.Contains("After step 1, rank 2 no longer holds the same parameters as rank 0", d.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_rank_with_another_setup_is_named()
    {
        var errors = ThreadCommunicator.Run(3, comm => Record.Exception(() => RankAgreement.CheckSameSetup(comm, comm.Rank == 1 ? "hidden 64" : "hidden 128")));
        Assert.All(errors, e => Assert.Contains("rank 1 has a different configuration or data than rank 0", Assert.IsType<RanksDisagreeException>(e).Message, StringComparison.Ordinal));
        var none = ThreadCommunicator.Run(2, comm => Record.Exception(() => RankAgreement.CheckSameSetup(comm, "same")));
        Assert.All(none, Assert.Null);
    }

    [Fact]
    public void Shards_cover_the_batch_in_order_with_sizes_differing_by_at_most_one()
    {
        foreach (int batch in (int[])[1, 7, 64, 100])
        {
            for (int size = 1; size <= Math.Min(batch, 9); size++)
            {
                int next = 0;
                var counts = new List<int>();
                for (int r = 0; r < size; r++)
                {
                    var (start, count) = Trainer.Shard(batch, r, size);
                    Assert.Equal(next, start);
                    Assert.True(count >= 1);
                    next += count;
                    counts.Add(count);
                }

                Assert.Equal(batch, next);
                Assert.True(counts.Max() - counts.Min() <= 1);
            }
        }
    }

    [Fact]
    public void More_ranks_than_examples_in_a_batch_and_batch_norm_are_refused_with_the_reason()
    {
        var split = Images(16, 8, 5);
        var comms = ThreadCommunicator.Create(3);
        var e = Assert.Throws<ArgumentException>(() => Glow(split, 2, comms[0]));
        Assert.Contains("3 ranks cannot share a batch of 2", e.Message, StringComparison.Ordinal);

        var model = VectorFlows.RealNvp(2, 2, 8, 1, new Rng(3), batchNorm: true);
        var points = new PointSplit(new float[64], 2);
        var bn = Assert.Throws<ArgumentException>(() => new Trainer(model, new Adam(model.NamedParameters(), 1e-3), null, points, Objective.NegativeLogLikelihood(2), new BatchOrder(32, 8, 1), new Rng(1))
        {
            Communicator = comms[0],
        });
        Assert.Contains("batch statistics", bn.Message, StringComparison.Ordinal);
    }
}
