using Flows.Autodiff;
using Flows.Distributions;
using Flows.Kernels;
using Flows.Models;

namespace Flows.Tests.Models;

/// <summary>Glow's learned priors against the Gaussian formula in double, and latent arithmetic.</summary>
public sealed class GlowPriorAndLatentTests
{
    private static double LogNormal(double z, double mean, double logScale)
        => (-0.5 * Math.Pow((z - mean) / Math.Exp(logScale), 2)) - logScale - (0.5 * Math.Log(2 * Math.PI));

    [Fact]
    public void Split_prior_density_is_the_interleaved_conv_gaussian()
    {
        var rng = new Rng(1);
        var prior = new SplitPrior(2, 3);
        rng.FillNormal(prior.Weight.Value.Span, 0f, 0.3f);
        rng.FillNormal(prior.Bias.Value.Span, 0f, 0.3f);
        rng.FillNormal(prior.Scale.Value.Span, 0f, 0.1f);
        var context = Tensor.Zeros(2, 2, 3, 3);
        var z = Tensor.Zeros(2, 3, 3, 3);
        rng.FillNormal(context.Span);
        rng.FillNormal(z.Span);
        var logp = prior.LogProb(Variable.Constant(z), Variable.Constant(context)).Value;

        // h = (conv(context) + b)·exp(3s) computed by the reference convolution, then interleaved.
        var h = new float[2 * 6 * 9];
        ConvReference.Forward(new ConvGeometry(2, 2, 6, 3, 3, 3, 3), context.Span, prior.Weight.Value.Span, h);
        for (int n = 0; n < 2; n++)
        {
            double expected = 0;
            for (int c = 0; c < 3; c++)
            {
                for (int p = 0; p < 9; p++)
                {
                    double Out(int o) => (h[(((n * 6) + o) * 9) + p] + prior.Bias.Value.Span[o]) * Math.Exp(3 * prior.Scale.Value.Span[o]);
                    expected += LogNormal(z[n, c, p / 3, p % 3], Out(2 * c), Out((2 * c) + 1));
                }
            }

            Assert.Equal(expected, logp.Span[n], 3);
        }
    }

    [Fact]
    public void Diagonal_and_class_conditional_gaussians_match_the_formula_and_sample_their_moments()
    {
        var rng = new Rng(2);
        var diag = new DiagonalGaussian(2, 2, 2);
        diag.Mean.Value.Span[0] = 0.5f;
        diag.Mean.Value.Span[1] = -1f;
        diag.LogScale.Value.Span[0] = -0.3f;
        diag.LogScale.Value.Span[1] = 0.4f;
        var z = Tensor.Zeros(3, 2, 2, 2);
        rng.FillNormal(z.Span);
        var logp = diag.LogProb(Variable.Constant(z)).Value;
        for (int n = 0; n < 3; n++)
        {
            double expected = 0;
            for (int c = 0; c < 2; c++)
            {
                for (int p = 0; p < 4; p++)
                {
                    expected += LogNormal(z[n, c, p / 2, p % 2], diag.Mean.Value.Span[c], diag.LogScale.Value.Span[c]);
                }
            }

            Assert.Equal(expected, logp.Span[n], 4);
        }

        var samples = diag.Sample(4000, 1f, new Rng(3));
        Assert.Equal(-1.0, Enumerable.Range(0, 4000).SelectMany(n => Enumerable.Range(0, 4).Select(p => (double)samples.Span[(n * 8) + 4 + p])).Average(), 1);

        var cond = new ClassConditionalGaussian(3, [2, 2, 2]);
        rng.FillNormal(cond.Weight.Value.Span, 0f, 0.5f);
        rng.FillNormal(cond.Bias.Value.Span, 0f, 0.5f);
        var labels = ClassConditionalGaussian.OneHot([2, 0, 1], 3);
        var clogp = cond.LogProb(Variable.Constant(z), Variable.Constant(labels)).Value;
        int[] ys = [2, 0, 1];
        for (int n = 0; n < 3; n++)
        {
            double expected = 0;
            for (int c = 0; c < 2; c++)
            {
                double mean = cond.Weight.Value[2 * c, ys[n]] + cond.Bias.Value.Span[2 * c];
                double logs = cond.Weight.Value[(2 * c) + 1, ys[n]] + cond.Bias.Value.Span[(2 * c) + 1];
                for (int p = 0; p < 4; p++)
                {
                    expected += LogNormal(z[n, c, p / 2, p % 2], mean, logs);
                }
            }

            Assert.Equal(expected, clogp.Span[n], 4);
        }
    }

    [Fact]
    public void Class_conditional_glow_samples_per_label_and_scores_by_label()
    {
        var model = Glow.Create(new GlowConfig { DataShape = [1, 8, 8], StepsPerLevel = 1, Hidden = 4, Classes = 2 }, new Rng(4));
        model.Training = false;
        var top = (ClassConditionalGaussian)model.TopPrior;
        top.Bias.Value.Span[0] = 2f; // class-independent mean of channel 0
        top.Weight.Value[0, 1] = -4f; // class 1 shifts it to −2
        var labels = Variable.Constant(ClassConditionalGaussian.OneHot([0, 1], 2));
        var x = model.Sample(2, 0f, new Rng(5), labels);
        var z = model.Encode(x)[^1];
        Assert.Equal(2f, z[0, 0, 0, 0], 3);
        Assert.Equal(-2f, z[1, 0, 0, 0], 3);
        var swapped = Variable.Constant(ClassConditionalGaussian.OneHot([1, 0], 2));
        var right = model.LogProb(Variable.Constant(x), labels).Value;
        var wrong = model.LogProb(Variable.Constant(x), swapped).Value;
        Assert.True(right.Span[0] > wrong.Span[0] && right.Span[1] > wrong.Span[1]);
    }

    [Fact]
    public void Without_labels_a_class_conditional_glow_gives_the_marginal_over_its_classes()
    {
        var rng = new Rng(6);
        var model = Glow.Create(new GlowConfig { DataShape = [1, 8, 8], StepsPerLevel = 1, Hidden = 4, Classes = 3 }, rng);
        var top = (ClassConditionalGaussian)model.TopPrior;
        rng.FillNormal(top.Weight.Value.Span, 0f, 1f);
        rng.FillNormal(top.Bias.Value.Span, 0f, 0.3f);
        model.Training = false;
        var x = model.Sample(4, 1f, new Rng(7)); // labels drawn uniformly
        Assert.Equal([4, 1, 8, 8], x.Shape);
        Assert.Equal(3, model.Classes);

        // Brute force: log (1/3) Σ_k p(x | k), each p(x | k) a full pass with that label, summed in double.
        var marginal = model.LogProb(Variable.Constant(x)).Value.ToArray();
        var perClass = Enumerable.Range(0, 3)
            .Select(k => model.LogProb(Variable.Constant(x), Variable.Constant(ClassConditionalGaussian.OneHot([k, k, k, k], 3))).Value.ToArray())
            .ToArray();
        for (int n = 0; n < 4; n++)
        {
            double m = perClass.Max(p => (double)p[n]);
            double expected = m + Math.Log(perClass.Sum(p => Math.Exp(p[n] - m)) / 3);
            Assert.Equal(expected, marginal[n], 2e-3);
            Assert.True(perClass.Min(p => p[n]) < marginal[n] && marginal[n] < perClass.Max(p => p[n]), "the marginal lies between the classes' densities");
        }

        // And it is differentiable: the prior's class weights receive a gradient through the log-sum-exp.
        model.Training = true;
        Ops.Mean(model.LogProb(Variable.Constant(x))).Backward();
        Assert.Contains(top.Weight.Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void Latent_interpolation_direction_and_manipulation()
    {
        var a = new[] { Tensor.FromArray([0f, 2f], 1, 2), Tensor.FromArray([4f], 1, 1) };
        var b = new[] { Tensor.FromArray([2f, 0f], 1, 2), Tensor.FromArray([0f], 1, 1) };
        var path = LatentOps.Interpolate(a, b, 3);
        Assert.Equal([0f, 2f, 1f, 1f, 2f, 0f], path[0].ToArray());
        Assert.Equal([4f, 2f, 0f], path[1].ToArray());

        var batch = new[] { Tensor.FromArray([1f, 3f, 5f, 7f], 4, 1) };
        var direction = LatentOps.AttributeDirection(batch, [true, false, true, false]);
        Assert.Equal([(1f + 5f) / 2 - ((3f + 7f) / 2)], direction[0].ToArray());
        Assert.Throws<ArgumentException>(() => LatentOps.AttributeDirection(batch, [true, true, true, true]));

        var moved = LatentOps.Manipulate([Tensor.FromArray([1f], 1, 1)], direction, [0f, 1f, -0.5f]);
        Assert.Equal([1f, -1f, 2f], moved[0].ToArray());
    }
}
