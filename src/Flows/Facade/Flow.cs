using Flows.Autodiff;
using Flows.Checkpoints;
using Flows.Data;
using Flows.Models;
using Flows.Pictures;
using Flows.Scoring;
using Flows.Training;

namespace Flows;

/// <summary>
/// A normalizing flow, ready to fit, score, sample, encode and decode: the library's entry point. Build one
/// from a <see cref="FlowSpec"/> for images ([C, H, W]) or vectors ([D]), or load a saved one (a folder
/// written by <see cref="Save"/>, a <c>flows train</c> run or a zoo model). Densities are in nats;
/// image densities are of the dequantized pixels, so their bits per dimension are comparable with the papers'.
/// </summary>
public sealed class Flow
{
    private const int ScoreBatch = 256;
    private readonly FlowModel _model;
    private RunConfig _config;

    private Flow(FlowModel model, RunConfig config)
    {
        _model = model;
        _config = config;
    }

    /// <summary>Which of the three flows this is.</summary>
    public FlowKind Kind => _config.Model.Kind switch
    {
        "realnvp" => FlowKind.RealNvp,
        "nice" => FlowKind.Nice,
        _ => FlowKind.Glow,
    };

    /// <summary>The shape of one example: [C, H, W] for images, [D] for vectors.</summary>
    public IReadOnlyList<int> DataShape => _config.Model.DataShape;

    /// <summary>True for a model of images, false for a model of vectors.</summary>
    public bool IsImageModel => _config.Model.IsImage;

    /// <summary>Dimensions of one example.</summary>
    public int Dimensions => _model.Dimensions;

    /// <summary>Total number of trainable scalars of the model.</summary>
    public long ParameterCount => _model.ParameterCount();

    /// <summary>The thresholds <see cref="Calibrate(ImageData, ScoreKind, double[])"/> set (saved and loaded with the flow), or null.</summary>
    public Calibration? Calibration { get; private set; }

    internal FlowModel Model => _model;

    internal RunConfig Config => _config;

    /// <summary>A new, untrained flow for examples of <paramref name="dataShape"/>: [C, H, W] images or [D] vectors.</summary>
    /// <exception cref="ArgumentException">The shape does not suit the spec (for example, an image side not divisible by 2^Levels).</exception>
    public static Flow Create(FlowSpec spec, params int[] dataShape)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(dataShape);
        if (dataShape.Length is not (1 or 3) || dataShape.Any(d => d < 1))
        {
            throw new ArgumentException($"A flow models images [C, H, W] or vectors [D]; {Tensor.FormatShape(dataShape)} is neither.", nameof(dataShape));
        }

        if (spec.Steps < 1 || spec.Hidden < 1 || spec.Levels < 1 || spec.HiddenLayers is < 1 || spec.Bits is < 1 or > 8)
        {
            throw new ArgumentException($"Invalid spec: steps {spec.Steps}, hidden {spec.Hidden}, levels {spec.Levels}, hidden layers {spec.HiddenLayers}, bits {spec.Bits} (all at least 1, bits at most 8).", nameof(spec));
        }

        bool image = dataShape.Length == 3;
        if (image && spec.Kind != FlowKind.Nice)
        {
            int halvings = spec.Kind == FlowKind.RealNvp ? spec.Levels - 1 : spec.Levels;
            int factor = 1 << halvings;
            if (dataShape[1] % factor != 0 || dataShape[2] % factor != 0)
            {
                throw new ArgumentException($"{spec.Levels} levels halve the image size {halvings} times, so {dataShape[1]}x{dataShape[2]} must be divisible by {factor}; use fewer levels.", nameof(spec));
            }
        }

        bool glowImages = image && spec.Kind == FlowKind.Glow;
        var model = new ModelConfig
        {
            Kind = spec.Kind.ToString().ToLowerInvariant(),
            DataShape = [.. dataShape],
            Levels = spec.Levels,
            StepsPerLevel = spec.Steps,
            Hidden = spec.Hidden,
            HiddenLayers = spec.HiddenLayers ?? (spec.Kind == FlowKind.Nice ? 4 : 2),
            Coupling = spec.Additive ? "additive" : "affine",
            ScaleFloor = glowImages && !spec.Additive ? 1e-3 : 0,
            LearnedTopPrior = glowImages && spec.LearnedTopPrior,
            LogitAlpha = spec.Logit,
            Classes = spec.Classes,
            MemoryEfficientBackprop = false,
            Seed = spec.Seed,
        };
        var data = image
            ? new DataConfig { Name = "images", Preprocessing = "dequantize", Bits = spec.Bits }
            : new DataConfig { Name = "vectors", Preprocessing = "none" };
        var config = new RunConfig { Model = model, Data = data };
        if (config.Problem() is { } problem)
        {
            throw new ArgumentException($"Invalid spec: {problem}.", nameof(spec));
        }

        return new Flow(ModelFactory.Create(model), config);
    }

    /// <summary>
    /// Loads a flow saved with <see cref="Save"/>, a <c>flows train</c> run folder or its checkpoint folder,
    /// or a zoo model (<c>zoo/glow-mnist</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">No checkpoint there.</exception>
    /// <exception cref="InvalidDataException">The files are damaged or do not fit each other; the message names the file or tensor.</exception>
    public static Flow Load(string path)
    {
        var (model, config) = Checkpoint.Open(path);
        string calibration = Path.Combine(Checkpoint.Resolve(path), Calibration.FileName);
        return new Flow(model, config)
        {
            Calibration = File.Exists(calibration) ? Calibration.FromJson(File.ReadAllText(calibration), calibration) : null,
        };
    }

    /// <summary>Writes the flow into the folder <paramref name="path"/> (its spec as config.json beside model.safetensors), replacing what was there.</summary>
    public void Save(string path)
    {
        Checkpoint.Save(path, _config, _model, optimizer: null, state: null);
        if (Calibration is { } calibration)
        {
            IO.AtomicFile.WriteAllText(Path.Combine(path, Calibration.FileName), calibration.ToJson());
        }
    }

    /// <summary>
    /// Anomaly scores of each image (higher = more anomalous): the likelihood in bits/dim, the input-complexity
    /// score (bits/dim minus PNG bits/dim), and with <paramref name="background"/> the likelihood ratio.
    /// </summary>
    public AnomalyScores Score(ImageData images, Flow? background = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        RequireImages(images);
        return Scorer.Score(_model, new ImageSplit(images.Images, new Dequantization(_config.Data.Bits)), Background(background));
    }

    /// <summary>Anomaly scores of each row: −log p in nats, and with <paramref name="background"/> the likelihood ratio.</summary>
    public AnomalyScores Score(float[,] points, Flow? background = null)
        => Scorer.Score(_model, new PointSplit(Flatten(points), Dimensions), Background(background));

    /// <summary>
    /// Sets thresholds on <paramref name="score"/> at <paramref name="falsePositiveRates"/> (default 1% and 5%)
    /// from held-out normal images (not the ones trained on); <see cref="IsOutlier(ImageData, double, Flow?)"/> then flags with those rates.
    /// </summary>
    public Calibration Calibrate(ImageData heldOut, ScoreKind score = ScoreKind.InputComplexity, params double[] falsePositiveRates)
        => Calibrate(Score(heldOut), score, falsePositiveRates);

    /// <summary>Thresholds on −log p of held-out normal rows; see <see cref="Calibrate(ImageData, ScoreKind, double[])"/>.</summary>
    public Calibration Calibrate(float[,] heldOut, params double[] falsePositiveRates)
        => Calibrate(Score(heldOut), ScoreKind.Likelihood, falsePositiveRates);

    /// <summary>True for each image whose calibrated score is above the threshold of <paramref name="falsePositiveRate"/>.</summary>
    public bool[] IsOutlier(ImageData images, double falsePositiveRate = 0.01, Flow? background = null)
        => Flag(Score(images, background), falsePositiveRate);

    /// <summary>True for each row whose calibrated score is above the threshold of <paramref name="falsePositiveRate"/>.</summary>
    public bool[] IsOutlier(float[,] points, double falsePositiveRate = 0.01, Flow? background = null)
        => Flag(Score(points, background), falsePositiveRate);

    /// <summary>
    /// Trains on <paramref name="images"/> with the library's default recipe; each call continues from the
    /// current parameters with a fresh optimizer. Cancellation stops after the current step and keeps what was
    /// learned (<see cref="FitResult.Cancelled"/>).
    /// </summary>
    public FitResult Fit(ImageData images, FitOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        RequireImages(images);
        var dataset = Dataset.FromImages("images", images.Images, images.Images, _config.Data.Bits, images.ClassNames);
        return FitCore(dataset, options ?? new FitOptions(), progress, cancellation);
    }

    /// <summary>Trains on the rows of <paramref name="points"/> ([N, D]) with the library's default recipe; see <see cref="Fit(ImageData, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
    public FitResult Fit(float[,] points, FitOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellation = default)
    {
        var split = new PointSplit(Flatten(points), Dimensions);
        return FitCore(new Dataset("vectors", split, split, null), options ?? new FitOptions(), progress, cancellation);
    }

    /// <summary>Trains on <paramref name="points"/>, each of length D.</summary>
    public FitResult Fit(IEnumerable<float[]> points, FitOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellation = default)
        => Fit(ToMatrix(points), options, progress, cancellation);

    /// <summary>log p(x) in nats of each row of <paramref name="points"/> (a model of vectors).</summary>
    public float[] LogProb(float[,] points) => Evaluator.LogProbs(_model, new PointSplit(Flatten(points), Dimensions), ScoreBatch);

    /// <summary>
    /// log p(x) in nats of each image's dequantized pixels (uniform noise from a fixed seed, so scores repeat);
    /// <see cref="BitsPerDim"/> gives the same on the papers' scale.
    /// </summary>
    public float[] LogProb(ImageData images)
    {
        ArgumentNullException.ThrowIfNull(images);
        RequireImages(images);
        return Evaluator.LogProbs(_model, new ImageSplit(images.Images, new Dequantization(_config.Data.Bits)), ScoreBatch);
    }

    /// <summary>Bits per dimension of each image: −log p(x) / (D ln 2) + bits, the papers' measure.</summary>
    public float[] BitsPerDim(ImageData images)
    {
        var logp = LogProb(images);
        int bits = _config.Data.Bits;
        return [.. logp.Select(l => (float)Dequantization.BitsPerDim(l, Dimensions, bits))];
    }

    /// <summary><paramref name="n"/> samples of a model of vectors, rows of [n, D]; temperature scales the latent's standard deviation.</summary>
    public float[,] Sample(int n, float temperature = 1, ulong seed = 1)
    {
        RequireVectors();
        var x = SampleTensor(n, temperature, seed);
        var result = ToMatrix(x.Span, n, Dimensions);
        x.Release();
        return result;
    }

    /// <summary>
    /// <paramref name="n"/> images sampled at <paramref name="temperature"/> (0.7 gives the papers' cleaner samples); for a
    /// class-conditional flow (<see cref="FlowSpec.Classes"/>), all of <paramref name="label"/>, or of random labels when it is null.
    /// </summary>
    /// <exception cref="ArgumentException">A label for an unconditional flow, or one outside its classes.</exception>
    public ImageData SampleImages(int n, float temperature = 0.7f, ulong seed = 1, int? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!IsImageModel)
        {
            throw new InvalidOperationException("This flow models vectors; use Sample.");
        }

        if (label is { } l && (l < 0 || l >= _model.Classes))
        {
            throw new ArgumentException(_model.Classes == 0 ? "This flow is not class-conditional (FlowSpec.Classes), so it takes no label." : $"The label must lie in 0 to {_model.Classes - 1}; got {l}.", nameof(label));
        }

        var x = label is { } chosen
            ? ModelPictures.Sample(_model, n, CheckedTemperature(temperature), new Rng(seed), Distributions.ClassConditionalGaussian.OneHot([.. Enumerable.Repeat(chosen, n)], _model.Classes))
            : SampleTensor(n, temperature, seed);
        var pixels = new byte[x.Length];
        new Dequantization(_config.Data.Bits).ToPixels(x.Span, pixels); // element-wise, so all images at once
        x.Release();
        return ImageData.FromPixels(pixels, n, DataShape[0], DataShape[1], DataShape[2]);
    }

    /// <summary>The latent z = f(x) of each row (a model of vectors); <see cref="Decode"/> inverts it.</summary>
    public float[,] Encode(float[,] points)
    {
        RequireVectors();
        float[] flat = Flatten(points);
        int n = points.GetLength(0);
        var x = Tensor.FromArray(flat, n, Dimensions);
        var z = InEvaluation(() => ToMatrix(_model.Encode(x)[0].Span, n, Dimensions));
        x.Release();
        return z;
    }

    /// <summary>The points x = f⁻¹(z) of latent rows (a model of vectors).</summary>
    public float[,] Decode(float[,] latents)
    {
        RequireVectors();
        float[] flat = Flatten(latents);
        int n = latents.GetLength(0);
        var z = Tensor.FromArray(flat, n, Dimensions);
        var x = InEvaluation(() => ToMatrix(_model.Decode([z]).Span, n, Dimensions));
        z.Release();
        return x;
    }

    private Calibration Calibrate(AnomalyScores scores, ScoreKind score, double[] falsePositiveRates)
    {
        Calibration = Calibration.Fit([.. scores[score].Select(v => (double)v)], score, falsePositiveRates is { Length: > 0 } ? falsePositiveRates : [0.01, 0.05]);
        return Calibration;
    }

    private bool[] Flag(AnomalyScores scores, double falsePositiveRate)
    {
        var calibration = Calibration ?? throw new InvalidOperationException("Not calibrated: call Calibrate with held-out normal data first.");
        double threshold = calibration.Threshold(falsePositiveRate);
        return [.. scores[AnomalyScores.Parse(calibration.Score)].Select(v => v > threshold)];
    }

    private FlowModel? Background(Flow? background)
    {
        if (background is not null && !background.DataShape.SequenceEqual(DataShape))
        {
            throw new ArgumentException($"The background flow takes {Tensor.FormatShape([.. background.DataShape])}, but this flow takes {Tensor.FormatShape([.. DataShape])}.", nameof(background));
        }

        return background?._model;
    }

    private FitResult FitCore(Dataset dataset, FitOptions options, IProgress<FitProgress>? progress, CancellationToken cancellation)
    {
        if (options.Batch < 1 || options.LearningRate <= 0 || !double.IsFinite(options.LearningRate) || options.Steps is < 1 || options.Epochs is <= 0)
        {
            throw new ArgumentException($"Invalid fit options: batch {options.Batch}, learning rate {options.LearningRate}, steps {options.Steps}, epochs {options.Epochs}.", nameof(options));
        }

        int batch = Math.Min(options.Batch, dataset.Train.Count);
        var settings = new TrainingSettings
        {
            Batch = batch,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
            Steps = options.Steps,
            Epochs = options.Steps is null && options.Epochs is null ? 1 : options.Epochs,
        };
        var model = _config.Model;
        if (model is { Kind: "glow", IsImage: true })
        {
            model = model with { MemoryEfficientBackprop = ModelFactory.ToGlowConfig(model).NeedsMemoryEfficientBackprop(batch) };
            _model.MemoryEfficientBackprop = model.MemoryEfficientBackprop;
        }

        _config = _config with { Model = model, Training = settings };
        var comm = options.Communicator ?? Flows.Distributed.Communicator.OneProcess;
        var trainer = TrainingRun.CreateTrainer(_config, dataset, _model, comm);
        long limit = TrainingRun.StepLimit(settings, trainer.Order.BatchesPerEpoch)!.Value;
        var recent = new Queue<double>();
        bool cancelled = false;
        try
        {
            while (trainer.StepCount < limit)
            {
                // With several ranks, one rank's cancellation stops them all at the same step.
                if (comm.Any(cancellation.IsCancellationRequested))
                {
                    cancelled = true;
                    break;
                }

                var step = trainer.Step();
                if (!step.Skipped && !step.Spike && double.IsFinite(step.Loss))
                {
                    recent.Enqueue(step.Loss);
                    if (recent.Count > 50)
                    {
                        recent.Dequeue();
                    }
                }

                if (comm.IsRoot)
                {
                    progress?.Report(new FitProgress(step.Step, limit, step.Loss, step.LearningRate));
                }
            }
        }
        finally
        {
            _model.Training = false;
        }

        return new FitResult(trainer.StepCount, recent.Count > 0 ? recent.Average() : double.NaN, cancelled, trainer.SkippedSteps, trainer.Rollbacks);
    }

    private Tensor SampleTensor(int n, float temperature, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return ModelPictures.Sample(_model, n, CheckedTemperature(temperature), new Rng(seed));
    }

    private static float CheckedTemperature(float temperature)
        => float.IsFinite(temperature) && temperature >= 0
            ? temperature
            : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number ≥ 0.");

    private T InEvaluation<T>(Func<T> compute)
    {
        bool wasTraining = _model.Training;
        _model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            return compute();
        }
        finally
        {
            _model.Training = wasTraining;
        }
    }

    private void RequireImages(ImageData images)
    {
        if (!IsImageModel)
        {
            throw new InvalidOperationException("This flow models vectors; give it a float[,] of points.");
        }

        if (!images.Shape.SequenceEqual(DataShape))
        {
            throw new ArgumentException($"The images are {Tensor.FormatShape(images.Shape)} (channels, height, width), but this flow takes {Tensor.FormatShape([.. DataShape])}.", nameof(images));
        }

        if (images.Count == 0)
        {
            throw new ArgumentException("No images.", nameof(images));
        }
    }

    private void RequireVectors()
    {
        if (IsImageModel)
        {
            throw new InvalidOperationException($"This flow models images {Tensor.FormatShape([.. DataShape])}; use the ImageData overloads.");
        }
    }

    private float[] Flatten(float[,] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        RequireVectors();
        int n = points.GetLength(0), d = points.GetLength(1);
        if (d != Dimensions)
        {
            throw new ArgumentException($"The rows have {d} columns, but this flow models {Dimensions} dimensions.", nameof(points));
        }

        if (n == 0)
        {
            throw new ArgumentException("No rows.", nameof(points));
        }

        var flat = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                float v = points[i, j];
                if (!float.IsFinite(v))
                {
                    throw new ArgumentException($"Row {i}, column {j} is {v}; every value must be finite.", nameof(points));
                }

                flat[(i * d) + j] = v;
            }
        }

        return flat;
    }

    private static float[,] ToMatrix(ReadOnlySpan<float> values, int n, int d)
    {
        var m = new float[n, d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                m[i, j] = values[(i * d) + j];
            }
        }

        return m;
    }

    private static float[,] ToMatrix(IEnumerable<float[]> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var rows = points.ToList();
        int d = rows.Count > 0 ? rows[0].Length : 0;
        var m = new float[rows.Count, d];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != d)
            {
                throw new ArgumentException($"Point {i} has {rows[i].Length} values, point 0 has {d}.", nameof(points));
            }

            for (int j = 0; j < d; j++)
            {
                m[i, j] = rows[i][j];
            }
        }

        return m;
    }
}
