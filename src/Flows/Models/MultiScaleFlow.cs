using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;

namespace Flows.Models;

/// <summary>
/// The multi-scale architecture of RealNVP (Dinh et al. 2017, §3.6) and Glow (Kingma and Dhariwal 2018,
/// §3): levels of [squeeze → steps → split], where a split keeps the first half of the channels for the
/// next level and factors out the second half z_i under that level's prior p(z_i | kept). The last level
/// has no split; its output is the final latent under the top prior.
/// log p(x) = Σ_i log p(z_i | kept_i) + log p_top(z_L) + Σ step log-dets.
/// </summary>
/// <remarks>
/// Building one (parameter names follow the levels: "level0.step3.…", "level0.prior.…"):
/// <code>
/// var levels = new[]
/// {
///     MultiScaleLevel.WithSplit(stepsOfLevel0, new SplitPrior(2, 2)),   // or prior: null for N(0, I)
///     MultiScaleLevel.Final(stepsOfLevel1),
/// };
/// var flow = new MultiScaleFlow([1, 28, 28], levels);                    // top prior N(0, I) by default
/// </code>
/// Steps are any shape-keeping <see cref="Bijector"/>s on [N, C, H, W] (a <see cref="Squeeze"/> may appear
/// among them, e.g. RealNVP's checkerboard couplings → squeeze → channel couplings with squeeze: false).
/// <see cref="FlowModel.Encode"/> returns one latent per level, first factored out first, final last.
/// </remarks>
public sealed class MultiScaleFlow : FlowModel
{
    private readonly MultiScaleLevel[] _levels;
    private readonly int[] _dataShape;
    private readonly int[][] _latentShapes;
    private readonly ConditionalDistribution?[] _splitPriors;
    private readonly ConditionalDistribution _topPrior;

    /// <param name="dataShape">(C, H, W) of one data point.</param>
    /// <param name="levels">The levels; all but the last must split, the last must not.</param>
    /// <param name="topPrior">
    /// Density of the final latent (the context passed to it is the condition given to
    /// <see cref="LogProb(Variable, Variable?)"/>, e.g. one-hot labels); null for N(0, I). Registered as "top".
    /// </param>
    public MultiScaleFlow(int[] dataShape, IReadOnlyList<MultiScaleLevel> levels, ConditionalDistribution? topPrior = null)
    {
        ArgumentNullException.ThrowIfNull(dataShape);
        ArgumentNullException.ThrowIfNull(levels);
        if (dataShape.Length != 3)
        {
            throw new ArgumentException($"MultiScaleFlow needs a data shape (C, H, W), got {Tensor.FormatShape(dataShape)}.", nameof(dataShape));
        }

        if (levels.Count == 0)
        {
            throw new ArgumentException("MultiScaleFlow needs at least one level.", nameof(levels));
        }

        _dataShape = (int[])dataShape.Clone();
        _levels = [.. levels];
        _latentShapes = new int[_levels.Length][];
        _splitPriors = new ConditionalDistribution?[_levels.Length];
        int[] shape = _dataShape;
        for (int i = 0; i < _levels.Length; i++)
        {
            var level = _levels[i] ?? throw new ArgumentException($"Level {i} is null.", nameof(levels));
            bool last = i == _levels.Length - 1;
            if (level.IsSplit == last)
            {
                throw new ArgumentException($"Level {i} of {_levels.Length}: every level but the last must split, and the last must not.", nameof(levels));
            }

            AddModule($"level{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}", level);
            if (level.Squeeze)
            {
                shape = Squeeze.SqueezedShape(shape);
            }

            foreach (var step in level.Steps)
            {
                if (step is Squeeze)
                {
                    shape = Squeeze.SqueezedShape(shape);
                }
            }

            if (level.IsSplit)
            {
                if (shape[0] % 2 != 0)
                {
                    throw new ArgumentException($"Level {i} splits {shape[0]} channels; the count must be even.", nameof(levels));
                }

                shape = [shape[0] / 2, shape[1], shape[2]];
                _latentShapes[i] = shape;
                _splitPriors[i] = level.Prior ?? ConditionalDistribution.Unconditional(new StandardNormal(shape));
            }
            else
            {
                _latentShapes[i] = shape;
            }
        }

        _topPrior = topPrior is null
            ? ConditionalDistribution.Unconditional(new StandardNormal(shape))
            : AddModule("top", topPrior);
    }

    /// <inheritdoc/>
    public override int[] DataShape => (int[])_dataShape.Clone();

    /// <summary>The levels, in data-to-latent order.</summary>
    public IReadOnlyList<MultiScaleLevel> Levels => _levels;

    /// <summary>The event shape (C, H, W) of each level's latent, in <see cref="Encode"/> order.</summary>
    public IReadOnlyList<int[]> LatentShapes => _latentShapes;

    /// <summary>The density of the final latent (N(0, I) unless one was given).</summary>
    public ConditionalDistribution TopPrior => _topPrior;

    /// <summary>
    /// When true, training graphs keep no activation of the steps: each level's steps go through
    /// <see cref="ReversibleBackprop"/>, which rebuilds every step's input with its inverse during backward
    /// and recomputes it, so memory stays constant in the number of steps (one extra forward and one
    /// inverse per step of compute). Same values and gradients up to round-off.
    /// </summary>
    public override bool MemoryEfficientBackprop { get; set; }

    /// <summary>The reconstruction error of the memory-efficient backward passes since its last reset (<see cref="ReconstructionMonitor"/>).</summary>
    public override ReconstructionMonitor Reconstruction { get; } = new();

    /// <summary>
    /// log p(x) per sample, [N], in nats, for x [N, C, H, W], without a condition. With a class-conditional top
    /// prior (<see cref="Classes"/> &gt; 0), the marginal log (1/K) Σ_k p(x | k): the steps run once and only the
    /// top prior is evaluated K times.
    /// </summary>
    public override Variable LogProb(Variable x)
    {
        if (Classes == 0)
        {
            return LogProb(x, null);
        }

        CheckData(x);
        Variable? top = null;
        var rest = Run(x, null, latents: null, topLatent: h => top = h)!;
        return Ops.Add(rest, MarginalTopLogProb(top!));
    }

    /// <summary>log p(x | condition) per sample, [N]; the condition (one-hot labels [N, <see cref="Classes"/>] for a class-conditional prior) goes to the top prior only.</summary>
    public override Variable LogProb(Variable x, Variable? condition)
    {
        if (condition is null && Classes > 0)
        {
            return LogProb(x);
        }

        CheckData(x);
        return Run(x, condition, latents: null)!;
    }

    /// <inheritdoc/>
    public override int Classes => _topPrior is ClassConditionalGaussian c ? c.Classes : 0;

    /// <summary>log (1/K) Σ_k p(h | k) of the top latent h [N, …] under the class-conditional prior, as a graph node.</summary>
    private Variable MarginalTopLogProb(Variable h)
    {
        int n = h.Shape[0], classes = Classes;
        var perClass = new Variable[classes];
        var labels = new int[n];
        for (int k = 0; k < classes; k++)
        {
            Array.Fill(labels, k);
            perClass[k] = _topPrior.LogProb(h, Variable.Constant(ClassConditionalGaussian.OneHot(labels, classes)));
        }

        // log-sum-exp with the per-example maximum held constant (it cancels in the value and the gradient).
        var max = Tensor.Uninitialized(n);
        for (int i = 0; i < n; i++)
        {
            float m = float.NegativeInfinity;
            foreach (var lp in perClass)
            {
                m = MathF.Max(m, lp.Value.Span[i]);
            }

            max.Span[i] = float.IsFinite(m) ? m : 0f;
        }

        var shift = Variable.Constant(max);
        Variable? sum = null;
        foreach (var lp in perClass)
        {
            var e = Ops.Exp(Ops.Sub(lp, shift));
            sum = sum is null ? e : Ops.Add(sum, e);
        }

        return Ops.AddScalar(Ops.Add(Ops.Log(sum!), shift), (float)-Math.Log(classes));
    }

    /// <summary>Exact encoding of x [N, C, H, W] into one latent per level (see <see cref="LatentShapes"/>), first factored out first.</summary>
    public override IReadOnlyList<Tensor> Encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using (Autograd.NoGrad())
        {
            var input = Variable.Constant(x);
            CheckData(input);
            var latents = new List<Tensor>(_levels.Length);
            Run(input, null, latents);
            return latents;
        }
    }

    /// <summary>Exact decoding of one latent per level, in <see cref="Encode"/> order, to x [N, C, H, W]; the caller owns the result.</summary>
    /// <exception cref="ArgumentException">The number of latents is not the number of levels.</exception>
    public override Tensor Decode(IReadOnlyList<Tensor> latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.Count != _levels.Length)
        {
            throw new ArgumentException($"Decode needs {_levels.Length} latents (one per level), got {latents.Count}.", nameof(latents));
        }

        using (Autograd.NoGrad())
        {
            var top = Variable.Constant(latents[^1]);
            var x = Generate(top, (i, _) => Variable.Constant(latents[i]));
            return ReferenceEquals(x, latents[^1]) ? x.Clone() : x;
        }
    }

    /// <inheritdoc/>
    public override Tensor Sample(int n, float temperature, Rng rng) => Sample(n, temperature, rng, null);

    /// <summary>Samples given a condition for the top prior (e.g. one-hot labels [n, classes]).</summary>
    public override Tensor Sample(int n, float temperature, Rng rng, Variable? condition)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        using (Autograd.NoGrad())
        {
            if (condition is null && Classes > 0)
            {
                // A sample of the marginal: labels drawn uniformly.
                var labels = new int[n];
                for (int i = 0; i < n; i++)
                {
                    labels[i] = rng.NextInt(Classes);
                }

                condition = Variable.Constant(ClassConditionalGaussian.OneHot(labels, Classes));
            }

            var top = Variable.Constant(_topPrior.Sample(n, condition, temperature, rng));
            return Generate(top, (i, kept) => Variable.Constant(_splitPriors[i]!.Sample(n, kept, temperature, rng)));
        }
    }

    /// <summary>
    /// The forward pass x → latents. Returns log p(x | condition) when <paramref name="latents"/> is null;
    /// otherwise fills it with the latents and skips the densities (returns null). With <paramref name="topLatent"/>,
    /// the top latent goes to it and the top prior's density is left out of the result.
    /// </summary>
    private Variable? Run(Variable x, Variable? condition, List<Tensor>? latents, Action<Variable>? topLatent = null)
    {
        bool density = latents is null;
        Variable h = x;
        Variable? total = null;
        for (int i = 0; i < _levels.Length; i++)
        {
            var level = _levels[i];
            if (level.Squeeze)
            {
                h = Squeeze.Apply(h);
            }

            if (density && MemoryEfficientBackprop && Autograd.IsEnabled)
            {
                var (next, logDet) = ReversibleBackprop.Forward(level.Steps, h, Reconstruction);
                h = next;
                total = Accumulate(total, logDet);
            }
            else if (!Autograd.IsEnabled)
            {
                // Evaluation and encoding: step by step, every intermediate back to the pool at once.
                var (next, logDet) = ForwardDetached(level.Steps, h.Value, owned: !ReferenceEquals(h.Value, x.Value), density);
                h = Variable.Constant(next);
                if (logDet is not null)
                {
                    total = Accumulate(total, Variable.Constant(logDet));
                }
            }
            else
            {
                foreach (var step in level.Steps)
                {
                    var (next, logDet) = step.Forward(h);
                    h = next;
                    if (density)
                    {
                        total = Accumulate(total, logDet);
                    }
                }
            }

            if (level.IsSplit)
            {
                int half = h.Shape[1] / 2;
                var kept = Ops.Slice(h, 1, 0, half);
                var z = Ops.Slice(h, 1, half, h.Shape[1] - half);
                if (density)
                {
                    total = Accumulate(total, _splitPriors[i]!.LogProb(z, kept));
                }
                else
                {
                    latents!.Add(z.Value);
                }

                h = kept;
            }
            else if (density && topLatent is not null)
            {
                topLatent(h);
            }
            else if (density)
            {
                total = Accumulate(total, _topPrior.LogProb(h, condition));
            }
            else
            {
                latents!.Add(ReferenceEquals(h, x) ? h.Value.Clone() : h.Value);
            }
        }

        return total;
    }

    /// <summary>
    /// The inverse pass: from the top latent down, drawing each factored-out half from <paramref name="latentAt"/>(level, kept).
    /// Runs without recording; each step's intermediates go back to the tensor pool as soon as it is done.
    /// </summary>
    private Tensor Generate(Variable top, Func<int, Variable, Variable> latentAt)
    {
        var h = top.Value;
        bool owned = false;
        for (int i = _levels.Length - 1; i >= 0; i--)
        {
            var level = _levels[i];
            if (level.IsSplit)
            {
                var kept = Variable.Constant(h);
                Replace(ref h, ref owned, Ops.Concat(1, kept, latentAt(i, kept)).Value);
            }

            for (int k = level.Steps.Count - 1; k >= 0; k--)
            {
                var (next, logDet) = DetachedStep.Run(level.Steps[k], h, inverse: true);
                logDet.Release();
                Replace(ref h, ref owned, next);
            }

            if (level.Squeeze)
            {
                Replace(ref h, ref owned, Squeeze.Undo(Variable.Constant(h)).Value);
            }
        }

        return owned ? h : h.Clone();
    }

    /// <summary>The steps' forward pass on a tensor without recording, intermediates back to the pool; the summed log-det when asked.</summary>
    private static (Tensor Output, Tensor? LogDet) ForwardDetached(IReadOnlyList<Bijector> steps, Tensor input, bool owned, bool withLogDet)
    {
        var h = input;
        Tensor? total = null;
        foreach (var step in steps)
        {
            var (next, logDet) = DetachedStep.Run(step, h, inverse: false);
            Replace(ref h, ref owned, next);
            if (!withLogDet)
            {
                logDet.Release();
            }
            else if (total is null)
            {
                total = logDet;
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(total.Span, logDet.Span, total.Span);
                logDet.Release();
            }
        }

        return (owned ? h : h.Clone(), total);
    }

    /// <summary>Moves <paramref name="current"/> on to <paramref name="next"/>, releasing the old tensor when it was ours.</summary>
    private static void Replace(ref Tensor current, ref bool owned, Tensor next)
    {
        if (ReferenceEquals(current, next))
        {
            return;
        }

        if (owned)
        {
            current.Release();
        }

        current = next;
        owned = true;
    }

    private static Variable Accumulate(Variable? total, Variable term) => total is null ? term : Ops.Add(total, term);

    private void CheckData(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        bool ok = x.Shape.Length == 4;
        for (int i = 0; ok && i < 3; i++)
        {
            ok = x.Shape[i + 1] == _dataShape[i];
        }

        if (!ok)
        {
            throw new ArgumentException($"{GetType().Name} over {Tensor.FormatShape(_dataShape)} got a batch of shape {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
