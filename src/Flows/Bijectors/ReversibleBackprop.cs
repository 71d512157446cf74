using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Memory-efficient back-propagation through a sequence of bijectors, using their invertibility
/// (RevNets: Gomez et al. 2017, "The Reversible Residual Network"; named in Glow, Kingma and Dhariwal
/// 2018, §3). The forward pass keeps no activation of any step, only the sequence's output z and its
/// summed log-det. The backward pass walks the steps from last to first: it rebuilds each step's input
/// x = f⁻¹(z) with the inverse, re-runs that one step forward on x with recording on, back-propagates the
/// incoming gradients of z and logDet through this local graph (parameters accumulate their gradients),
/// hands x's gradient to the step before, and releases the local graph. Peak memory is one step's
/// activations, whatever the number of steps. Glow steps are opened into their parts, and a coupling
/// (<see cref="IRecomputeFromOutput"/>) evaluates its network once for both the rebuild and the recorded
/// forward, since its pass-through half is the same in input and output: the price is about one extra
/// forward per step (the other parts' inverses are cheap), not an inverse and a forward.
/// </summary>
/// <remarks>
/// The gradients equal ordinary back-propagation up to the round-off of the reconstruction (the first
/// step's input is the stored input itself, not a reconstruction). Steps must be deterministic functions
/// of their input and parameters, with any data-dependent initialisation (ActNorm) done by the forward
/// pass: it runs once with recording, as in ordinary training, before any reconstruction. Each step's
/// Forward runs twice per training step, so steps with other training-mode side effects (batch-norm
/// running averages, batch statistics) are not suitable.
/// </remarks>
public static class ReversibleBackprop
{
    /// <summary>
    /// z = f_n(… f_1(x)) and the summed log-det, as graph nodes whose backward recomputes instead of
    /// storing. Without recording (or with nothing that needs a gradient) this is the plain forward pass.
    /// </summary>
    public static (Variable Z, Variable LogDet) Forward(IReadOnlyList<Bijector> steps, Variable x) => Forward(steps, x, null);

    /// <summary>As <see cref="Forward(IReadOnlyList{Bijector}, Variable)"/>, reporting the backward's reconstruction error to <paramref name="monitor"/>.</summary>
    public static (Variable Z, Variable LogDet) Forward(IReadOnlyList<Bijector> steps, Variable x, ReconstructionMonitor? monitor)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(x);
        var parameters = CollectParameters(steps, x);
        if (!Autograd.IsEnabled || parameters.Length == 0 || steps.Count == 0)
        {
            return PlainForward(steps, x);
        }

        // Each step runs with recording (so ops behave exactly as in training, ActNorm initialises) and its
        // graph is released at once: intermediates go back to the pool, only z and logDet survive.
        var h = x.Value;
        Tensor? logDet = null;
        foreach (var step in steps)
        {
            var (z, ld) = DetachedStep.Run(step, h, inverse: false);
            if (!ReferenceEquals(h, x.Value))
            {
                h.Release();
            }

            h = z;
            if (logDet is null)
            {
                logDet = ld;
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(logDet.Span, ld.Span, logDet.Span);
                ld.Release();
            }
        }

        if (ReferenceEquals(h, x.Value))
        {
            h = h.Clone();
        }

        var hub = new Hub(steps, x) { Monitor = monitor };
        var zNode = Variable.FromOp(h, parameters, hub.Backward);
        hub.Output = zNode;
        var logDetNode = Variable.FromOp(logDet!, [zNode], hub.ReceiveLogDetGrad);
        return (zNode, logDetNode);
    }

    private static (Variable Z, Variable LogDet) PlainForward(IReadOnlyList<Bijector> steps, Variable x)
    {
        Variable z = x;
        Variable? logDet = null;
        foreach (var step in steps)
        {
            var (next, ld) = step.Forward(z);
            z = next;
            logDet = logDet is null ? ld : Ops.Add(logDet, ld);
        }

        return (z, logDet ?? Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    /// <summary>The input x (when it needs a gradient) followed by every distinct trainable parameter of the steps.</summary>
    private static Variable[] CollectParameters(IReadOnlyList<Bijector> steps, Variable x)
    {
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        var list = new List<Variable>();
        if (x.RequiresGrad)
        {
            seen.Add(x);
            list.Add(x);
        }

        foreach (var step in steps)
        {
            ArgumentNullException.ThrowIfNull(step);
            foreach (var p in step.Parameters())
            {
                if (p.RequiresGrad && seen.Add(p))
                {
                    list.Add(p);
                }
            }
        }

        return [.. list];
    }

    /// <summary>
    /// The steps with every <see cref="Chain"/> (a Glow step) but the first opened into its parts, so that the backward can rebuild
    /// and recompute part by part (a coupling then shares its network evaluation between the two).
    /// </summary>
    private static Bijector[] Flatten(IReadOnlyList<Bijector> steps)
    {
        var parts = new List<Bijector>(3 * steps.Count);
        for (int i = 0; i < steps.Count; i++)
        {
            // The first step stays whole: it is recomputed from the stored input, with no reconstruction at all.
            var step = steps[i];
            if (i > 0 && step is Chain chain)
            {
                parts.AddRange(chain.Steps);
            }
            else
            {
                parts.Add(step);
            }
        }

        return [.. parts];
    }

    /// <summary>The backward shared by the z and logDet nodes of one reversible sequence.</summary>
    private sealed class Hub
    {
        private readonly Bijector[] _parts;
        private readonly Variable _input;
        private Tensor? _logDetGrad;

        public Hub(IReadOnlyList<Bijector> steps, Variable input)
        {
            _parts = Flatten(steps);
            _input = input;
        }

        public Variable? Output { get; set; }

        public ReconstructionMonitor? Monitor { get; init; }

        /// <summary>
        /// The logDet node is a child of the z node, so it runs first in reverse topological order: it
        /// stores its gradient and makes sure z's backward runs even when z itself got no gradient.
        /// </summary>
        public void ReceiveLogDetGrad(Tensor grad)
        {
            if (_logDetGrad is null)
            {
                _logDetGrad = grad.Clone();
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(_logDetGrad.Span, grad.Span, _logDetGrad.Span);
            }

            if (Output!.Grad is null)
            {
                Output.AccumulateGradOwned(Tensor.Zeros(Output.Shape));
            }
        }

        public void Backward(Tensor zGrad)
        {
            if (!Autograd.IsEnabled)
            {
                throw new InvalidOperationException("Reversible back-propagation recomputes each step with recording on; call Backward() outside Autograd.NoGrad().");
            }

            var output = Output!;
            var logDetGrad = _logDetGrad ?? Tensor.Zeros(output.Shape[0]);
            _logDetGrad = null;
            Tensor z = output.Value;      // the current step's output (not owned for the last step)
            Tensor gz = zGrad;            // gradient of z (not owned for the last step)
            bool ownsZ = false, ownsGz = false;
            for (int k = _parts.Length - 1; k >= 0; k--)
            {
                var part = _parts[k];
                bool needInputGrad = k > 0 || _input.RequiresGrad;
                Variable leaf, zLocal, logDetLocal;
                Tensor x;
                if (k > 0 && part is IRecomputeFromOutput { CanRecomputeFromOutput: true } shared)
                {
                    // Rebuild the input and record the forward with one evaluation of the shared work.
                    (leaf, zLocal, logDetLocal) = shared.RecomputeFromOutput(z, needInputGrad);
                    x = leaf.Value;
                }
                else
                {
                    // The first part's input is stored by the graph anyway: use it rather than a reconstruction.
                    x = _input.Value;
                    if (k > 0)
                    {
                        var (rebuilt, inverseLogDet) = DetachedStep.Run(part, z, inverse: true);
                        inverseLogDet.Release();
                        x = rebuilt;
                    }

                    leaf = new Variable(x, requiresGrad: needInputGrad);
                    (zLocal, logDetLocal) = part.Forward(leaf);
                    if (k == 0 && _parts.Length > 1)
                    {
                        // z is the first part's output as the later parts' inverses rebuilt it; zLocal is the same
                        // output recomputed from the stored input: their gap is the reconstruction error.
                        Monitor?.Observe(z.Span, zLocal.Value.Span);
                    }
                }

                var seedGz = gz;
                var root = Variable.FromOp(Tensor.Zeros(1), [zLocal, logDetLocal], _ =>
                {
                    if (zLocal.RequiresGrad)
                    {
                        zLocal.AccumulateGrad(seedGz);
                    }

                    if (logDetLocal.RequiresGrad)
                    {
                        logDetLocal.AccumulateGrad(logDetGrad);
                    }
                });
                root.Backward();
                root.ReleaseGraph();
                zLocal.ReleaseGraph();
                logDetLocal.ReleaseGraph();

                if (ownsZ)
                {
                    z.Release();
                }

                if (ownsGz)
                {
                    gz.Release();
                }

                z = x;
                ownsZ = k > 0;
                gz = leaf.Grad ?? Tensor.Zeros(x.Shape);
                ownsGz = true;
            }

            if (_input.RequiresGrad)
            {
                _input.AccumulateGradOwned(gz);
            }
            else if (ownsGz)
            {
                gz.Release();
            }

            if (ownsZ)
            {
                z.Release();
            }

            logDetGrad.Release();
        }
    }
}
