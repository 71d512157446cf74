using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// An invertible linear map of [N, D] in Glow's LU parameterisation (Kingma &amp; Dhariwal 2018, section
/// 3.2, applied to vectors): W = P · L · (U + diag(sign ⊙ exp(v))) with P a fixed permutation, L unit
/// lower-triangular, U strictly upper-triangular and v the log-magnitudes of the diagonal.
/// Forward z = x·Wᵀ; inverse x = z·W⁻ᵀ; logDet = Σ v (the same for every sample).
/// Starts at a random rotation. Parameters "lower", "upper", "logDiag"; buffers "permutation", "sign".
/// </summary>
public sealed class LuLinear : Bijector, IInvertibilityCheck
{
    private readonly Tensor _permutation;
    private readonly Tensor _sign;
    private readonly Tensor _lowerMask;
    private readonly Tensor _upperMask;
    private readonly Tensor _identity;

    /// <summary>An LU linear map of <paramref name="dimensions"/> features, starting at a random rotation drawn from <paramref name="rng"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is less than 1.</exception>
    public LuLinear(int dimensions, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        int d = Dimensions = dimensions;
        var (p, l, u) = Decompose(RandomRotation(d, rng), d);
        var lower = Tensor.Zeros(d, d);
        var upper = Tensor.Zeros(d, d);
        var logDiag = Tensor.Zeros(d);
        _sign = Tensor.Zeros(d);
        _permutation = Tensor.Zeros(d, d);
        _lowerMask = Tensor.Zeros(d, d);
        _upperMask = Tensor.Zeros(d, d);
        _identity = Tensor.Zeros(d, d);
        for (int i = 0; i < d; i++)
        {
            _identity.Span[(i * d) + i] = 1f;
            for (int j = 0; j < d; j++)
            {
                _permutation.Span[(i * d) + j] = (float)p[(i * d) + j];
                if (j < i)
                {
                    lower.Span[(i * d) + j] = (float)l[(i * d) + j];
                    _lowerMask.Span[(i * d) + j] = 1f;
                }
                else if (j > i)
                {
                    upper.Span[(i * d) + j] = (float)u[(i * d) + j];
                    _upperMask.Span[(i * d) + j] = 1f;
                }
            }

            double diag = u[(i * d) + i];
            _sign.Span[i] = diag < 0 ? -1f : 1f;
            logDiag.Span[i] = (float)Math.Log(Math.Abs(diag));
        }

        Lower = AddParameter("lower", lower);
        Upper = AddParameter("upper", upper);
        LogDiag = AddParameter("logDiag", logDiag);
        AddBuffer("permutation", _permutation);
        AddBuffer("sign", _sign);
    }

    /// <summary>Number of features D.</summary>
    public int Dimensions { get; }

    /// <summary>"lower" [D, D]; only its strictly lower triangle is used (L = that triangle + I).</summary>
    public Variable Lower { get; }

    /// <summary>"upper" [D, D]; only its strictly upper triangle is used.</summary>
    public Variable Upper { get; }

    /// <summary>The log-magnitudes v "logDiag" [D] of U's diagonal.</summary>
    public Variable LogDiag { get; }

    /// <summary>The current matrix W as a graph node.</summary>
    public Variable Weight()
    {
        var l = Ops.Add(Ops.Mul(Lower, Variable.Constant(_lowerMask)), Variable.Constant(_identity));
        var diag = Ops.Diag(Ops.Mul(Ops.Exp(LogDiag), Variable.Constant(_sign)));
        var u = Ops.Add(Ops.Mul(Upper, Variable.Constant(_upperMask)), diag);
        return Ops.MatMul(Variable.Constant(_permutation), Ops.MatMul(l, u));
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        VectorColumns.CheckVectorInput(x, Dimensions, nameof(LuLinear));
        var z = Ops.MatMul(x, Weight(), transposeB: true);
        return (z, VectorColumns.PerSample(Ops.Sum(LogDiag), x.Shape[0]));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(LuLinear));
        var x = Ops.MatMul(z, Ops.Inverse(Weight()), transposeB: true);
        return (x, VectorColumns.PerSample(Ops.Neg(Ops.Sum(LogDiag)), z.Shape[0]));
    }

    /// <summary>Q of the Gram–Schmidt orthonormalisation of a Gaussian matrix (rows orthonormal).</summary>
    private static double[] RandomRotation(int d, Rng rng)
    {
        var q = new double[d * d];
        for (int i = 0; i < d * d; i++)
        {
            q[i] = rng.NextNormal();
        }

        for (int i = 0; i < d; i++)
        {
            // Twice, for orthogonality to working precision.
            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < i; k++)
                {
                    double dot = 0;
                    for (int j = 0; j < d; j++)
                    {
                        dot += q[(i * d) + j] * q[(k * d) + j];
                    }

                    for (int j = 0; j < d; j++)
                    {
                        q[(i * d) + j] -= dot * q[(k * d) + j];
                    }
                }
            }

            double norm = 0;
            for (int j = 0; j < d; j++)
            {
                norm += q[(i * d) + j] * q[(i * d) + j];
            }

            norm = Math.Sqrt(norm);
            for (int j = 0; j < d; j++)
            {
                q[(i * d) + j] /= norm;
            }
        }

        return q;
    }

    /// <summary>A = P·L·U by Gaussian elimination with partial pivoting (P a permutation matrix).</summary>
    private static (double[] P, double[] L, double[] U) Decompose(double[] a, int d)
    {
        var u = (double[])a.Clone();
        var l = new double[d * d];
        var rows = new int[d];
        for (int i = 0; i < d; i++)
        {
            rows[i] = i;
        }

        for (int k = 0; k < d; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < d; i++)
            {
                if (Math.Abs(u[(i * d) + k]) > Math.Abs(u[(pivot * d) + k]))
                {
                    pivot = i;
                }
            }

            if (pivot != k)
            {
                for (int j = 0; j < d; j++)
                {
                    (u[(k * d) + j], u[(pivot * d) + j]) = (u[(pivot * d) + j], u[(k * d) + j]);
                    (l[(k * d) + j], l[(pivot * d) + j]) = (l[(pivot * d) + j], l[(k * d) + j]);
                }

                (rows[k], rows[pivot]) = (rows[pivot], rows[k]);
            }

            for (int i = k + 1; i < d; i++)
            {
                double f = u[(i * d) + k] / u[(k * d) + k];
                l[(i * d) + k] = f;
                for (int j = k; j < d; j++)
                {
                    u[(i * d) + j] -= f * u[(k * d) + j];
                }
            }
        }

        // Row k of L·U is row rows[k] of A, so A = P·L·U with P[rows[k], k] = 1.
        var p = new double[d * d];
        for (int k = 0; k < d; k++)
        {
            l[(k * d) + k] = 1;
            p[(rows[k] * d) + k] = 1;
        }

        return (p, l, u);
    }

    /// <summary>
    /// exp of the diagonal's log-magnitudes must stay a normal float: below e^−80 the triangular factor is singular
    /// in float although its log-det is finite.
    /// </summary>
    public string? InvertibilityProblem() => LuDiagonal.Problem(LogDiag.Value.Span);
}
