using Flows.Autodiff;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// An invertible map with a tractable Jacobian. <see cref="Forward"/> maps data x to latent z, as in the
/// NICE, RealNVP and Glow papers, so that log p(x) = log p_z(z) + logDet with logDet = log|det ∂z/∂x|.
/// <see cref="Inverse"/> maps z back to x and returns log|det ∂x/∂z| = −logDet. Log-determinants are per
/// sample: shape [N] for a batch of N.
/// </summary>
public abstract class Bijector : Module
{
    /// <summary>z = f(x) and log|det ∂f/∂x| per sample.</summary>
    public abstract (Variable Z, Variable LogDet) Forward(Variable x);

    /// <summary>x = f⁻¹(z) and log|det ∂f⁻¹/∂z| per sample (the negative of the forward log-det at x).</summary>
    public abstract (Variable X, Variable LogDet) Inverse(Variable z);
}
