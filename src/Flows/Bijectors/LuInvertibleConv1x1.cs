using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Bijectors;

/// <summary>
/// Invertible 1×1 convolution in LU form (Glow, Kingma and Dhariwal 2018, §3.2), over axis 1 of images
/// [N, C, H, W] or vectors [N, C] (a D×D linear map; any [N, C, …]):
/// W = P·L·(U + diag(sign·exp(logs))) with P a fixed permutation, L unit lower triangular, U strictly
/// upper triangular and sign fixed. Forward z = W·x at every position, inverse x = W⁻¹·z,
/// log-det = (positions)·Σ logs. Initialised from the LU decomposition of a random orthogonal matrix.
/// Parameters: lower [C(C−1)/2] and upper [C(C−1)/2] (the free entries row by row), logs [C];
/// buffers: permutation [C, C], sign [C].
/// </summary>
public sealed class LuInvertibleConv1x1 : Bijector, IInvertibilityCheck
{
    private readonly Tensor _permutation;
    private readonly Tensor _sign;

    /// <summary>An LU 1×1 convolution over <paramref name="channels"/> channels, initialised from a random orthogonal matrix drawn from <paramref name="rng"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is less than 1.</exception>
    public LuInvertibleConv1x1(int channels, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentNullException.ThrowIfNull(rng);
        Channels = channels;
        int free = channels * (channels - 1) / 2;
        Lower = AddParameter("lower", Tensor.Zeros(free));
        Upper = AddParameter("upper", Tensor.Zeros(free));
        LogScale = AddParameter("logs", Tensor.Zeros(channels));
        _permutation = AddBuffer("permutation", Tensor.Zeros(channels, channels));
        _sign = AddBuffer("sign", Tensor.Zeros(channels));
        SetWeight(OrthogonalInit.Random(channels, rng));
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>The strictly lower entries of L, row by row.</summary>
    public Variable Lower { get; }

    /// <summary>The strictly upper entries of U, row by row.</summary>
    public Variable Upper { get; }

    /// <summary>The log-magnitudes "logs" [C] of U's diagonal.</summary>
    public Variable LogScale { get; }

    /// <summary>The full W = P·L·(U + diag(sign·exp(logs))) as a graph node.</summary>
    public Variable Weight()
    {
        int c = Channels;
        var l = Triangle(Lower, c, lower: true);
        var u = Ops.Add(Triangle(Upper, c, lower: false), Ops.Diag(Ops.Mul(Variable.Constant(_sign), Ops.Exp(LogScale))));
        return Ops.MatMul(Variable.Constant(_permutation), Ops.MatMul(l, u));
    }

    /// <summary>
    /// Sets P, L, U, sign and logs from a full invertible W [C, C] (row-major) by LU decomposition with
    /// partial pivoting in double: W = P·L·U, sign = sign(diag U), logs = ln|diag U|.
    /// </summary>
    public void SetWeight(ReadOnlySpan<float> weight)
    {
        var w = new double[weight.Length];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = weight[i];
        }

        SetWeight(w);
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        InvertibleConv1x1.CheckInput(x, Channels, nameof(LuInvertibleConv1x1));
        var z = InvertibleConv1x1.Mix(x, Weight());
        return (z, InvertibleConv1x1.PerSample(x, Ops.Sum(LogScale), 1f));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        InvertibleConv1x1.CheckInput(z, Channels, nameof(LuInvertibleConv1x1));
        var x = InvertibleConv1x1.Mix(z, Ops.Inverse(Weight()));
        return (x, InvertibleConv1x1.PerSample(z, Ops.Sum(LogScale), -1f));
    }

    private void SetWeight(double[] w)
    {
        int n = Channels;
        if (w.Length != n * n)
        {
            throw new ArgumentException($"LuInvertibleConv1x1({n}) needs a weight of {n * n} elements, got {w.Length}.", nameof(w));
        }

        var lu = (double[])w.Clone();
        var rows = new int[n];
        for (int i = 0; i < n; i++)
        {
            rows[i] = i;
        }

        for (int k = 0; k < n; k++)
        {
            int p = k;
            for (int i = k + 1; i < n; i++)
            {
                if (Math.Abs(lu[(i * n) + k]) > Math.Abs(lu[(p * n) + k]))
                {
                    p = i;
                }
            }

            if (lu[(p * n) + k] == 0)
            {
                throw new ArgumentException($"The {n}x{n} weight is singular.", nameof(w));
            }

            if (p != k)
            {
                (rows[k], rows[p]) = (rows[p], rows[k]);
                for (int j = 0; j < n; j++)
                {
                    (lu[(k * n) + j], lu[(p * n) + j]) = (lu[(p * n) + j], lu[(k * n) + j]);
                }
            }

            for (int i = k + 1; i < n; i++)
            {
                double f = lu[(i * n) + k] /= lu[(k * n) + k];
                for (int j = k + 1; j < n; j++)
                {
                    lu[(i * n) + j] -= f * lu[(k * n) + j];
                }
            }
        }

        // Row i of L·U is row rows[i] of W, so W = P·L·U with P[rows[i], i] = 1.
        var perm = _permutation.Span;
        perm.Clear();
        var lower = Lower.Value.Span;
        var upper = Upper.Value.Span;
        int li = 0, ui = 0;
        for (int i = 0; i < n; i++)
        {
            perm[(rows[i] * n) + i] = 1f;
            double d = lu[(i * n) + i];
            _sign.Span[i] = d < 0 ? -1f : 1f;
            LogScale.Value.Span[i] = (float)Math.Log(Math.Abs(d));
            for (int j = 0; j < i; j++)
            {
                lower[li++] = (float)lu[(i * n) + j];
            }

            for (int j = i + 1; j < n; j++)
            {
                upper[ui++] = (float)lu[(i * n) + j];
            }
        }
    }

    /// <summary>
    /// The n×n matrix with the packed entries below (lower, and a unit diagonal) or above (upper, zero
    /// diagonal) the diagonal, row by row; backward gathers those entries of the gradient.
    /// </summary>
    private static Variable Triangle(Variable packed, int n, bool lower)
    {
        var y = Tensor.Zeros(n, n);
        var ys = y.Span;
        var ps = packed.Value.Span;
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            if (lower)
            {
                ys[(i * n) + i] = 1f;
            }

            int from = lower ? 0 : i + 1, to = lower ? i : n;
            for (int j = from; j < to; j++)
            {
                ys[(i * n) + j] = ps[at++];
            }
        }

        return Variable.FromOp(y, [packed], g =>
        {
            var gp = Tensor.Uninitialized(packed.Shape);
            var gs = g.Span;
            var d = gp.Span;
            int k = 0;
            for (int i = 0; i < n; i++)
            {
                int from = lower ? 0 : i + 1, to = lower ? i : n;
                for (int j = from; j < to; j++)
                {
                    d[k++] = gs[(i * n) + j];
                }
            }

            packed.AccumulateGradOwned(gp);
        });
    }

    /// <summary>
    /// exp of the diagonal's log-magnitudes must stay a normal float: below e^−80 the triangular factor is singular
    /// in float although its log-det is finite.
    /// </summary>
    public string? InvertibilityProblem() => LuDiagonal.Problem(LogScale.Value.Span);
}
