using MathNet.Numerics.LinearAlgebra;

namespace Flows.Bijectors;

/// <summary>Random orthogonal matrices for initialising invertible 1x1 convolutions (Glow §3.2).</summary>
internal static class OrthogonalInit
{
    /// <summary>
    /// Q of the QR decomposition of a Gaussian n×n matrix, with columns signed by diag(R) so that Q is
    /// Haar-distributed; row-major, in double.
    /// </summary>
    public static double[] Random(int n, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var a = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[i, j] = rng.NextNormal();
            }
        }

        var qr = a.QR();
        var q = qr.Q;
        var r = qr.R;
        var result = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double sign = r[j, j] < 0 ? -1.0 : 1.0;
            for (int i = 0; i < n; i++)
            {
                result[(i * n) + j] = q[i, j] * sign;
            }
        }

        return result;
    }
}
