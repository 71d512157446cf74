namespace Flows.Scoring;

/// <summary>
/// Per-example scores of a flow: log p(x) in nats and the anomaly scores of <see cref="ScoreKind"/> (higher =
/// more anomalous). Complexity-based scores exist for images only, the likelihood ratio only with a background model.
/// </summary>
public sealed class AnomalyScores
{
    /// <summary>Scores of a set of examples; the arrays are kept, not copied, and need one value per example.</summary>
    /// <param name="logProb">log p(x) in nats.</param>
    /// <param name="likelihood">−log p(x): bits per dimension for images, nats for vectors.</param>
    /// <param name="compressedBitsPerDim">Images: the PNG-compressed length in bits per dimension, or null.</param>
    /// <param name="backgroundLikelihood">The background model's likelihood score, or null.</param>
    /// <param name="topLevelEnergy">½·mean(z²) of each example's top-level latent, or null.</param>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public AnomalyScores(float[] logProb, float[] likelihood, float[]? compressedBitsPerDim = null, float[]? backgroundLikelihood = null, float[]? topLevelEnergy = null)
    {
        ArgumentNullException.ThrowIfNull(logProb);
        ArgumentNullException.ThrowIfNull(likelihood);
        if (likelihood.Length != logProb.Length || compressedBitsPerDim?.Length is { } c && c != logProb.Length || backgroundLikelihood?.Length is { } b && b != logProb.Length || topLevelEnergy?.Length is { } t && t != logProb.Length)
        {
            throw new ArgumentException("Every score needs one value per example.");
        }

        LogProb = logProb;
        Likelihood = likelihood;
        CompressedBitsPerDim = compressedBitsPerDim;
        BackgroundLikelihood = backgroundLikelihood;
        TopLevelEnergy = topLevelEnergy;
    }

    /// <summary>Number of examples scored.</summary>
    public int Count => LogProb.Length;

    /// <summary>log p(x) in nats (of the dequantized pixels, for images).</summary>
    public float[] LogProb { get; }

    /// <summary>−log p(x): bits per dimension for images, nats for vectors.</summary>
    public float[] Likelihood { get; }

    /// <summary>Images: the PNG-compressed length in bits per dimension (<see cref="Complexity"/>), or null.</summary>
    public float[]? CompressedBitsPerDim { get; }

    /// <summary>The background model's <see cref="Likelihood"/>, or null.</summary>
    public float[]? BackgroundLikelihood { get; }

    /// <summary>½·mean(z²) of each example's top-level latent (<see cref="ScoreKind.TopLevel"/>); null when not computed.</summary>
    public float[]? TopLevelEnergy { get; }

    /// <summary>The scores <see cref="this[ScoreKind]"/> can give.</summary>
    public IReadOnlyList<ScoreKind> Available =>
        [ScoreKind.Likelihood, .. CompressedBitsPerDim is null ? Array.Empty<ScoreKind>() : [ScoreKind.InputComplexity], .. BackgroundLikelihood is null ? Array.Empty<ScoreKind>() : [ScoreKind.LikelihoodRatio], .. TopLevelEnergy is null ? Array.Empty<ScoreKind>() : [ScoreKind.TopLevel]];

    /// <summary>One anomaly score per example.</summary>
    /// <exception cref="InvalidOperationException">The score needs what these scores were computed without.</exception>
    public float[] this[ScoreKind kind] => kind switch
    {
        ScoreKind.Likelihood => Likelihood,
        ScoreKind.InputComplexity => CompressedBitsPerDim is { } png
            ? [.. Likelihood.Zip(png, (l, c) => l - c)]
            : throw new InvalidOperationException("The input-complexity score is for images only."),
        ScoreKind.LikelihoodRatio => BackgroundLikelihood is { } bg
            ? [.. Likelihood.Zip(bg, (l, g) => l - g)]
            : throw new InvalidOperationException("The likelihood ratio needs a background model."),
        ScoreKind.TopLevel => TopLevelEnergy ?? throw new InvalidOperationException("The top-level score was not computed."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The conventional name of a score in tables and CSV columns.</summary>
    public static string Name(ScoreKind kind) => kind switch
    {
        ScoreKind.Likelihood => "likelihood",
        ScoreKind.InputComplexity => "input-complexity",
        ScoreKind.LikelihoodRatio => "likelihood-ratio",
        ScoreKind.TopLevel => "top-level",
        _ => kind.ToString(),
    };

    /// <summary>The score named <paramref name="name"/> (as <see cref="Name"/> writes it).</summary>
    public static ScoreKind Parse(string name)
        => Enum.GetValues<ScoreKind>().FirstOrDefault(k => Name(k) == name, (ScoreKind)(-1)) is var k && Enum.IsDefined(k)
            ? k
            : throw new ArgumentException($"Unknown score '{name}'; expected {string.Join(", ", Enum.GetValues<ScoreKind>().Select(Name))}.", nameof(name));
}
