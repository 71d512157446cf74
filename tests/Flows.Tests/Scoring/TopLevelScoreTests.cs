using Flows.Data;
using Flows.Models;
using Flows.Scoring;
using Flows.Training;

namespace Flows.Tests.Scoring;

public sealed class TopLevelScoreTests
{
    [Fact]
    public void The_top_level_score_is_half_the_mean_square_of_the_last_latent_under_the_evaluation_noise()
    {
        var pixels = new byte[7 * 64];
        var r = new Rng(2);
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)r.NextInt(256);
        }

        var split = new ImageSplit(new ImageSet(pixels, 7, 1, 8, 8, null), new Dequantization(8));
        var model = Glow.Create(new GlowConfig { DataShape = [1, 8, 8], Levels = 2, StepsPerLevel = 1, Hidden = 8 }, new Rng(3));
        Flows.Tests.Bijectors.GlowBijectorTests.Randomize(model, new Rng(4), 0.1f);
        model.Training = false;

        // Brute force: the same noise stream as evaluation, one batch of all 7, the last latent's squares summed in double.
        var x = model.ToModelShape(split.Batch([0, 1, 2, 3, 4, 5, 6], new Rng(Evaluator.DefaultNoiseSeed)));
        var top = model.Encode(x)[^1];
        int d = top.Length / 7;
        var scores = Scorer.TopLevelEnergy(model, split, batchSize: 3); // batches of 3, 3 and 1: the noise must follow the examples
        for (int i = 0; i < 7; i++)
        {
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                sum += (double)top.Span[(i * d) + j] * top.Span[(i * d) + j];
            }

            Assert.Equal(0.5 * sum / d, scores[i], 1e-5);
        }

        var all = Scorer.Score(model, split);
        Assert.Contains(ScoreKind.TopLevel, all.Available);
        Assert.Equal(scores, all[ScoreKind.TopLevel]);
        Assert.Equal("top-level", AnomalyScores.Name(ScoreKind.TopLevel));
        Assert.Equal(ScoreKind.TopLevel, AnomalyScores.Parse("top-level"));
    }
}
