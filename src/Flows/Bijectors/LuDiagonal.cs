namespace Flows.Bijectors;

/// <summary>The invertibility condition the LU-parameterised layers share (<see cref="LuInvertibleConv1x1"/>, images and vectors alike).</summary>
internal static class LuDiagonal
{
    /// <summary>
    /// exp of the diagonal's log-magnitudes must stay a normal float: below e^−80 the triangular factor is singular
    /// in float although its log-det is finite, above e^80 it overflows. Null when every entry is inside.
    /// </summary>
    public static string? Problem(ReadOnlySpan<float> logMagnitudes)
    {
        for (int i = 0; i < logMagnitudes.Length; i++)
        {
            if (!(logMagnitudes[i] > -80f && logMagnitudes[i] < 80f))
            {
                return $"its diagonal's log-magnitude {i} is {logMagnitudes[i]}, outside ±80, so the matrix is singular or overflows in float";
            }
        }

        return null;
    }
}
