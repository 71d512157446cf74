using System.Diagnostics;
using System.Globalization;
using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Models;
using Flows.NN;
using Flows.Tensors;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// Where a glow-mnist training step's time goes: forward and backward of each part of the first step of
/// every level (and of each layer of its coupling network), at the level's activation shape, median of a
/// few repetitions; a level costs about K times its step. Stopwatch-based, on the model's own layers.
/// </summary>
internal static class GlowMnistProfile
{
    private const int Reps = 7;

    public static void Report(MultiScaleFlow model, int batch, TextWriter output)
    {
        int[] shape = [model.DataShape[0], model.DataShape[1], model.DataShape[2]];
        for (int i = 0; i < model.Levels.Count; i++)
        {
            var level = model.Levels[i];
            if (level.Squeeze)
            {
                shape = Squeeze.SqueezedShape(shape);
            }

            int[] x = [batch, .. shape];
            string prefix = $"profile.level{i}";
            if (level.Steps.Count > 0 && level.Steps[0] is Chain { Steps: [ActNorm actNorm, var mixing, var coupling] } step)
            {
                Time(output, $"{prefix}.step", x, v => step.Forward(v).Z);
                Time(output, $"{prefix}.step.inverse", x, v => step.Inverse(v).X, backward: false);
                Time(output, $"{prefix}.actnorm", x, v => actNorm.Forward(v).Z);
                Time(output, $"{prefix}.invconv", x, v => mixing.Forward(v).Z);
                Time(output, $"{prefix}.coupling", x, v => coupling.Forward(v).Z);
                if (coupling is Coupling { Network: GlowCouplingNetwork net })
                {
                    int[] half = [batch, shape[0] / 2, shape[1], shape[2]];
                    int[] hidden = [batch, net.Conv1.Weight.Shape[0], shape[1], shape[2]];
                    Time(output, $"{prefix}.coupling.conv1", half, net.Conv1.Forward);
                    Time(output, $"{prefix}.coupling.actnorm1+relu", hidden, v => net.ActNorm1.Forward(v, relu: true));
                    Time(output, $"{prefix}.coupling.conv2", hidden, net.Conv2.Forward);
                    Time(output, $"{prefix}.coupling.zeroconv", hidden, net.ZeroConv.Forward);
                }
            }

            if (level.IsSplit)
            {
                shape = [shape[0] / 2, shape[1], shape[2]];
            }
        }

        model.ZeroGrad();
    }

    private static void Time(TextWriter output, string name, int[] inputShape, Func<Variable, Variable> f, bool backward = true)
    {
        var rng = new Rng(7);
        var forward = new List<double>();
        var back = new List<double>();
        for (int r = 0; r < Reps + 1; r++)
        {
            var input = Tensor.Uninitialized(inputShape);
            rng.FillNormal(input.Span, 0f, 0.5f);
            var x = new Variable(input, requiresGrad: backward);
            long t0 = Stopwatch.GetTimestamp();
            var y = f(x);
            long t1 = Stopwatch.GetTimestamp();
            if (backward)
            {
                y.Backward(Tensor.Full(1f, y.Shape));
            }

            long t2 = Stopwatch.GetTimestamp();
            y.ReleaseGraph();
            x.ZeroGrad();
            input.Release();
            if (r > 0)
            {
                forward.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                back.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            }
        }

        string text = backward
            ? string.Create(CultureInfo.InvariantCulture, $"{name} forward {GlowMnistBench.Median(forward):F2} ms backward {GlowMnistBench.Median(back):F2} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{name} {GlowMnistBench.Median(forward):F2} ms");
        output.WriteLine(text);
    }
}
