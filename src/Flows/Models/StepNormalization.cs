namespace Flows.Models;

/// <summary>The normalisation bijector after each coupling of a RealNVP.</summary>
public enum StepNormalization
{
    /// <summary>RealNVP's batch-norm bijector (Dinh et al. 2017, section 3.7): batch statistics in training, running averages in evaluation.</summary>
    BatchNorm,

    /// <summary>Glow's ActNorm: a per-channel affine map initialised from the first batch, then learned.</summary>
    ActNorm,

    /// <summary>No normalisation bijector.</summary>
    None,
}
