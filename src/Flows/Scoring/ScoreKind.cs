namespace Flows.Scoring;

/// <summary>The anomaly scores of an example; for each, higher means more anomalous.</summary>
public enum ScoreKind
{
    /// <summary>−log p(x): bits per dimension for images, nats for vectors. Fails where simple inputs get high likelihood (Nalisnick et al. 2019).</summary>
    Likelihood,

    /// <summary>Images: bits per dimension minus the PNG-compressed bits per dimension (Serrà et al. 2020).</summary>
    InputComplexity,

    /// <summary>Bits per dimension minus a background model's bits per dimension, i.e. −log-likelihood ratio (Ren et al. 2019).</summary>
    LikelihoodRatio,

    /// <summary>
    /// The energy ½·mean(z²) of the top-level latent (the last one <see cref="Models.FlowModel.Encode"/> returns):
    /// the semantic end of a multi-scale flow, which local pixel statistics shared by all images mostly do not reach
    /// (the levels' view of Schirrmeister et al. 2020). For a single-scale model it is the whole latent's energy.
    /// </summary>
    TopLevel,
}
