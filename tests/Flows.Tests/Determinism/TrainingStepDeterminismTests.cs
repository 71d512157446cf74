using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;
using Flows.Optim;
using Flows.Tests.Kernels;

namespace Flows.Tests.Determinism;

/// <summary>
/// A few training steps of a small conv net (ResNet with batch and weight normalisation, then an MLP head)
/// give the same parameter and optimizer-state bits for 1 and 2 threads and across repeated runs.
/// </summary>
[Collection(ThreadSettingGroup.Name)]
public sealed class TrainingStepDeterminismTests
{
    [Fact]
    public void Training_steps_give_identical_bits_for_one_and_two_threads_and_repeated_runs()
    {
        int saved = Parallelism.Threads;
        try
        {
            var runs = new List<List<float[]>>();
            foreach (int threads in new[] { 1, 2, 2, 1 })
            {
                Parallelism.Threads = threads;
                runs.Add(Train());
            }

            for (int r = 1; r < runs.Count; r++)
            {
                Assert.Equal(runs[0].Count, runs[r].Count);
                for (int i = 0; i < runs[0].Count; i++)
                {
                    Assert.Equal(runs[0][i], runs[r][i]);
                }
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    [Fact]
    public void Training_changes_the_parameters()
    {
        // Guards the test above against comparing untouched initial values.
        var net = new TinyNet(new Rng(1));
        var before = Snapshot(net, null);
        Step(net, new Adam(net.NamedParameters(), 1e-2), new Rng(2));
        var after = Snapshot(net, null);
        bool changed = false;
        for (int i = 0; i < before.Count; i++)
        {
            changed |= !before[i].AsSpan().SequenceEqual(after[i]);
        }

        Assert.True(changed);
    }

    private static List<float[]> Train()
    {
        var net = new TinyNet(new Rng(11));
        var opt = new Adam(net.NamedParameters(), 1e-2);
        var data = new Rng(12);
        for (int s = 0; s < 3; s++)
        {
            Step(net, opt, data);
        }

        return Snapshot(net, opt);
    }

    private static void Step(TinyNet net, Optimizer opt, Rng data)
    {
        var x = Tensor.Uninitialized(8, 3, 8, 8);
        data.FillNormal(x.Span);
        opt.ZeroGrad();
        var y = net.Forward(Variable.Constant(x));
        var loss = Ops.Mean(Ops.Square(Ops.AddScalar(y, -0.5f)));
        loss.Backward();
        GradientClipping.ClipByGlobalNorm(opt.Parameters, 1.0);
        opt.Step();
        loss.ReleaseGraph();
    }

    private static List<float[]> Snapshot(TinyNet net, Optimizer? opt)
    {
        var list = new List<float[]>();
        foreach (var (_, p) in net.NamedParameters())
        {
            list.Add(p.Value.ToArray());
        }

        foreach (var (_, b) in net.NamedBuffers())
        {
            list.Add(b.ToArray());
        }

        if (opt is not null)
        {
            foreach (var (_, s) in opt.NamedState())
            {
                list.Add(s.ToArray());
            }
        }

        return list;
    }

    private sealed class TinyNet : Module
    {
        private readonly ResNet _conv;
        private readonly Mlp _head;

        public TinyNet(Rng rng)
        {
            _conv = AddModule("conv", new ResNet(3, 4, width: 16, blocks: 2, rng, ResNetNormalization.BatchAndWeight, zeroInitOutput: false));
            _head = AddModule("head", new Mlp(4 * 8 * 8, 32, 5, hiddenLayers: 2, rng));
        }

        public Variable Forward(Variable x)
        {
            var h = _conv.Forward(x);
            return _head.Forward(Ops.Reshape(h, h.Shape[0], -1));
        }
    }
}
