namespace Flows.Kernels;

/// <summary>
/// Dense linear algebra on small square matrices (the C×C weights of invertible 1x1 convolutions),
/// computed in double precision by LU decomposition with partial pivoting.
/// </summary>
internal static class SmallMatrix
{
    /// <summary>Writes A⁻¹ (row-major n×n) into <paramref name="inverse"/>; throws if A is singular.</summary>
    public static void Invert(ReadOnlySpan<float> a, int n, Span<float> inverse)
    {
        var lu = Decompose(a, n, out var pivots, out _);
        var col = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(col);
            col[j] = 1.0;
            Solve(lu, pivots, n, col);
            for (int i = 0; i < n; i++)
            {
                inverse[(i * n) + j] = (float)col[i];
            }
        }
    }

    /// <summary>ln |det A|.</summary>
    public static double LogAbsDet(ReadOnlySpan<float> a, int n)
    {
        var lu = Decompose(a, n, out _, out _);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += Math.Log(Math.Abs(lu[(i * n) + i]));
        }

        return sum;
    }

    private static double[] Decompose(ReadOnlySpan<float> a, int n, out int[] pivots, out int swaps)
    {
        if (a.Length < n * n)
        {
            throw new ArgumentException($"Matrix of {a.Length} elements is not {n}x{n}.", nameof(a));
        }

        var lu = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
        }

        pivots = new int[n];
        swaps = 0;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double max = Math.Abs(lu[(k * n) + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(lu[(i * n) + k]);
                if (v > max)
                {
                    max = v;
                    p = i;
                }
            }

            if (max == 0)
            {
                throw new InvalidOperationException($"The {n}x{n} matrix is singular.");
            }

            pivots[k] = p;
            if (p != k)
            {
                swaps++;
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

        return lu;
    }

    private static void Solve(double[] lu, int[] pivots, int n, double[] b)
    {
        for (int k = 0; k < n; k++)
        {
            (b[k], b[pivots[k]]) = (b[pivots[k]], b[k]);
        }

        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int j = 0; j < i; j++)
            {
                s -= lu[(i * n) + j] * b[j];
            }

            b[i] = s;
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int j = i + 1; j < n; j++)
            {
                s -= lu[(i * n) + j] * b[j];
            }

            b[i] = s / lu[(i * n) + i];
        }
    }
}
