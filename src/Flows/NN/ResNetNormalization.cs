namespace Flows.NN;

/// <summary>How the convolutions of a <see cref="ResNet"/> are normalised.</summary>
public enum ResNetNormalization
{
    /// <summary>Plain convolutions.</summary>
    None,

    /// <summary>Batch normalisation before each ReLU (RealNVP).</summary>
    Batch,

    /// <summary>Weight-normalised convolutions.</summary>
    Weight,

    /// <summary>Both: weight-normalised convolutions and batch normalisation (RealNVP's official code).</summary>
    BatchAndWeight,
}
