using Flows.Autodiff;
using Flows.Models;
using Flows.NN;
using Flows.Optim;

namespace Flows.Tests.Models;

/// <summary>Shared helpers of the vector-flow tests: parameter randomisation, a small training loop, grid integration.</summary>
internal static class TwoDTraining
{
    /// <summary>Adds N(0, std²) noise to every parameter, so no layer sits at its identity initialisation.</summary>
    public static void Randomize(Module module, Rng rng, float std = 0.3f)
    {
        foreach (var p in module.Parameters())
        {
            var s = p.Value.Span;
            for (int i = 0; i < s.Length; i++)
            {
                s[i] += (float)(std * rng.NextNormal());
            }
        }
    }

    /// <summary>Sets every batch-norm running mean to N(0, 0.3²) and running variance to U(0.5, 2) values.</summary>
    public static void RandomizeRunningStatistics(Module module, Rng rng)
    {
        foreach (var (name, buffer) in module.NamedBuffers())
        {
            if (name.EndsWith("runningMean", StringComparison.Ordinal))
            {
                rng.FillNormal(buffer.Span, 0f, 0.3f);
            }
            else if (name.EndsWith("runningVar", StringComparison.Ordinal))
            {
                rng.FillUniform(buffer.Span, 0.5f, 2f);
            }
        }
    }

    /// <summary>Mean negative log-likelihood (nats) of <paramref name="data"/> under the model in evaluation mode.</summary>
    public static double MeanNll(FlowModel model, Tensor data)
    {
        bool training = model.Training;
        model.Training = false;
        using var noGrad = Autograd.NoGrad();
        var lp = model.LogProb(Variable.Constant(data)).Value.Span;
        double sum = 0;
        foreach (float v in lp)
        {
            sum -= v;
        }

        model.Training = training;
        return sum / lp.Length;
    }

    /// <summary>Adam on minibatches drawn from <paramref name="data"/>; returns the mean training loss of the last 10% of steps.</summary>
    public static double Train(FlowModel model, Tensor data, int steps, int batch, double learningRate, Rng rng)
    {
        model.Training = true;
        var optimizer = new Adam(model.NamedParameters(), learningRate);
        int n = data.Shape[0], d = data.Length / n;
        var shape = (int[])data.Shape.Clone();
        shape[0] = batch;
        var x = Tensor.Zeros(shape);
        double tail = 0;
        int tailCount = 0;
        for (int step = 0; step < steps; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                data.Span.Slice(rng.NextInt(n) * d, d).CopyTo(x.Span.Slice(b * d, d));
            }

            // Cosine decay: the last steps polish the fit at a small learning rate.
            optimizer.LearningRate = learningRate * 0.5 * (1 + Math.Cos(Math.PI * step / steps));
            var loss = Ops.Neg(Ops.Mean(model.LogProb(Variable.Constant(x.Clone()))));
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            if (step >= steps - Math.Max(1, steps / 10))
            {
                tail += loss.Item();
                tailCount++;
            }

            loss.ReleaseGraph();
        }

        model.Training = false;
        return tail / tailCount;
    }

    /// <summary>
    /// ∫ p(x) dx over the square [−range, range]² by the midpoint rule with cells of side h (model in evaluation mode).
    /// </summary>
    public static double GridMass(FlowModel model, double range, double h)
    {
        model.Training = false;
        int cells = (int)Math.Round(2 * range / h);
        int rowsPerBatch = Math.Max(1, 20000 / cells);
        double mass = 0;
        using var noGrad = Autograd.NoGrad();
        for (int row0 = 0; row0 < cells; row0 += rowsPerBatch)
        {
            int rows = Math.Min(rowsPerBatch, cells - row0);
            var points = Tensor.Zeros(rows * cells, 2);
            var s = points.Span;
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cells; c++)
                {
                    int i = (r * cells) + c;
                    s[2 * i] = (float)(-range + ((c + 0.5) * h));
                    s[(2 * i) + 1] = (float)(-range + ((row0 + r + 0.5) * h));
                }
            }

            var lp = model.LogProb(Variable.Constant(points)).Value.Span;
            foreach (float v in lp)
            {
                mass += Math.Exp(v);
            }
        }

        return mass * h * h;
    }
}
