using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;
using Flows.Models;

namespace Flows.Tests.Models;

public sealed class NiceModelTests
{
    private static SingleScaleFlow SmallMnistShaped(Rng rng)
    {
        var model = Nice.Create([1, 28, 28], rng, couplings: 4, hiddenFeatures: 24, hiddenLayers: 2);
        TwoDTraining.Randomize(model, rng, 0.05f);
        return model;
    }

    private static Tensor Images(Rng rng, int n)
    {
        var x = Tensor.Zeros(n, 1, 28, 28);
        rng.FillUniform(x.Span);
        return x;
    }

    [Fact]
    public void Decode_inverts_encode_on_mnist_shaped_input()
    {
        var rng = new Rng(61);
        var model = SmallMnistShaped(rng);
        var x = Images(rng, 4);
        var latents = model.Encode(x);
        Assert.Single(latents);
        Assert.Equal([4, 784], latents[0].Shape);
        double moved = 0;
        for (int i = 0; i < x.Length; i++)
        {
            moved = Math.Max(moved, Math.Abs(latents[0].Span[i] - x.Span[i]));
        }

        Assert.True(moved > 0.1, $"The randomised model should not be near the identity (max |z − x| = {moved}).");
        var back = model.Decode(latents);
        Assert.Equal(x.Shape, back.Shape);
        float maxError = 0;
        for (int i = 0; i < x.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(back.Span[i] - x.Span[i]));
        }

        Assert.True(maxError < 1e-4f, $"max |Decode(Encode(x)) − x| = {maxError}");
    }

    [Fact]
    public void Log_prob_is_the_logistic_log_density_of_the_code_plus_the_scaling_log_det()
    {
        var rng = new Rng(62);
        var model = SmallMnistShaped(rng);
        var x = Images(rng, 3);
        var z = model.Encode(x)[0];
        var logProb = model.LogProb(Variable.Constant(x)).Value;
        var scaling = (DiagonalScaling)((Chain)model.Bijector).Steps[^1];
        double logDet = 0;
        foreach (float s in scaling.LogScale.Value.Span)
        {
            logDet += s;
        }

        for (int n = 0; n < 3; n++)
        {
            double expected = logDet;
            for (int j = 0; j < 784; j++)
            {
                double v = z[n, j];

                // log of the logistic density e^−v / (1 + e^−v)², written independently of the library's form.
                expected += -v - (2 * Math.Log(1 + Math.Exp(-v)));
            }

            Assert.Equal(expected, logProb.Span[n], Math.Abs(expected) * 1e-5);
        }
    }

    [Fact]
    public void Mnist_factory_has_the_paper_architecture()
    {
        var model = Nice.Mnist(new Rng(63));
        Assert.IsType<Logistic>(model.Prior);
        var chain = (Chain)model.Bijector;
        Assert.Equal(6, chain.Steps.Count);
        long perCoupling = ((392 * 1000) + 1000) + (4 * ((1000 * 1000) + 1000)) + ((1000 * 392) + 392);
        Assert.Equal((4 * perCoupling) + 784, model.ParameterCount());
        for (int i = 1; i <= 4; i++)
        {
            Assert.Equal((i - 1) % 2, ((ParityColumns)((Coupling)chain.Steps[i]).Split).Parity);
        }
    }

    [Fact]
    public void Sampling_at_zero_temperature_decodes_the_prior_mode()
    {
        var rng = new Rng(64);
        var model = SmallMnistShaped(rng);
        var samples = model.Sample(2, 0f, new Rng(1));
        Assert.Equal([2, 1, 28, 28], samples.Shape);
        var mode = model.Decode([Tensor.Zeros(2, 784)]);
        Assert.Equal(mode.ToArray(), samples.ToArray());
        var warm = model.Sample(2, 1f, new Rng(1));
        Assert.Contains(warm.ToArray(), v => Math.Abs(v) > 1f);
    }

    [Fact]
    public void Every_parameter_receives_a_gradient_and_the_loss_falls_on_tiny_data()
    {
        var rng = new Rng(65);
        var model = Nice.Create([6], rng, couplings: 4, hiddenFeatures: 16, hiddenLayers: 2);

        // Off the zero-initialised output layers, whose zeros would block the gradient to the layers below.
        TwoDTraining.Randomize(model, rng, 0.05f);
        var data = Tensor.Zeros(32, 6);
        rng.FillNormal(data.Span, 1f, 0.3f);
        var loss = Ops.Neg(Ops.Mean(model.LogProb(Variable.Constant(data.Clone()))));
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient.");
            Assert.Contains(p.Grad!.ToArray(), g => g != 0f);
        }

        double before = TwoDTraining.MeanNll(model, data);
        TwoDTraining.Train(model, data, steps: 150, batch: 32, learningRate: 1e-2, rng);
        double after = TwoDTraining.MeanNll(model, data);
        Assert.True(after < before - 1.0, $"NLL {before} → {after}");
    }

    [Fact]
    public void Logistic_prior_integrates_to_one_and_samples_have_its_variance()
    {
        var prior = new Logistic(1);

        // ∫ p over [−40, 40] by the midpoint rule; the tails beyond hold 2e^−40.
        const int cells = 8000;
        var grid = Tensor.Zeros(cells, 1);
        for (int i = 0; i < cells; i++)
        {
            grid.Span[i] = (float)(-40 + ((i + 0.5) * 80.0 / cells));
        }

        var logp = prior.LogProb(Variable.Constant(grid)).Value;
        double mass = 0;
        foreach (float v in logp.Span)
        {
            mass += Math.Exp(v) * 80.0 / cells;
        }

        Assert.Equal(1.0, mass, 1e-4);
        Assert.Equal(-2 * Math.Log(2), prior.LogProb(Variable.Constant(Tensor.Zeros(1, 1))).Item(), 1e-6);

        // Var = π²/3 at temperature 1, scaled by T² at temperature T.
        foreach (float temperature in new[] { 1f, 0.5f })
        {
            var samples = prior.Sample(40000, temperature, new Rng(66));
            double mean = samples.ToArray().Average(v => (double)v);
            double variance = samples.ToArray().Average(v => ((double)v - mean) * ((double)v - mean));
            Assert.Equal(0, mean, 0.03);
            Assert.Equal(temperature * temperature * Math.PI * Math.PI / 3, variance, 0.05 * temperature * temperature * Math.PI * Math.PI / 3);
        }
    }
}
