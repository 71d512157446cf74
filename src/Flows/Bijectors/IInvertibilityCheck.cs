namespace Flows.Bijectors;

/// <summary>A bijector whose parameters can leave it non-invertible in float although every value is finite.</summary>
public interface IInvertibilityCheck
{
    /// <summary>Why the current parameters cannot be inverted reliably (a singular matrix, a diagonal that underflows), or null.</summary>
    public string? InvertibilityProblem();
}
