using System.CommandLine;
using Flows.Checkpoints;
using Flows.Data;
using Flows.Training;

namespace Flows.Cli.Commands.Train;

/// <summary><c>flows train</c>: train a flow on images or 2-D data, or resume a run.</summary>
internal static partial class TrainCommand
{
    public static int Run(TrainSettings s, CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (context.Communicator.Size > s.Batch && s.Resume is null)
        {
            throw new UsageException($"{context.Communicator.Size} ranks cannot share a batch of {s.Batch}: every rank needs at least one example; use --batch {context.Communicator.Size} or more, or fewer ranks.");
        }

        TrainingRun run;
        if (s.Resume is { } resume)
        {
            if (s.Given.Count > 0)
            {
                // Refused rather than ignored: a resumed run keeps the architecture, data and optimizer settings it was saved with.
                throw new UsageException($"--resume continues {resume} with the settings it was saved with; {string.Join(", ", s.Given)} cannot be changed on resume "
                    + "(only --epochs, --steps, --minutes, --threads and --data-dir can). Start a new run with --out to change them.");
            }

            string ckpt = Checkpoint.Resolve(Path.Combine(resume, Checkpoint.FolderName));
            var saved = Checkpoint.ReadConfig(ckpt);
            if (s.Data is { } d && !string.Equals(d, saved.Data.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--resume {resume} continues a run on '{saved.Data.Name}'; --data {d} does not match.");
            }

            var dataset = InTurn(context, () => saved.Data.Open(s.DataDir, context.Output));
            bool newLength = s.Epochs is not null || s.Steps is not null || s.Minutes is not null;
            run = TrainingRun.Resume(resume, dataset, newLength ? (s.Epochs, s.Steps, s.Minutes) : null, context.Communicator, context.Cancellation);
            context.Output.WriteLine($"Resuming {resume} at step {run.StepCount}.");
            if (newLength && RateJump(saved, run) is { } jump)
            {
                context.Output.WriteLine(jump);
            }
        }
        else
        {
            if (s.Data is null)
            {
                throw new UsageException("--data is required (mnist, fashion-mnist, moons, rings, 8gaussians, checkerboard or a folder of IDX files), unless --resume is given.");
            }

            var whole = InTurn(context, () => Datasets.Open(s.Data, s.Bits, s.DataDir, context.Output));
            var config = ToConfig(s, whole, context.Communicator.Size);
            var dataset = Prepared(config.Data, whole);
            if (config.Data.Perturbation is { } rate)
            {
                context.Output.WriteLine($"Background model: each training pixel is replaced by a random value with probability {rate:0.###}.");
            }

            string folder = s.Out ?? Path.Combine("runs", $"{s.Model}-{dataset.Name}");
            run = TrainingRun.Create(folder, config, dataset, context.Communicator, context.Cancellation);
            string conditional = config.Model.Classes > 0 ? $", class-conditional on {config.Model.Classes} classes: trained on p(x | label), test bpd of the marginal" : "";
            context.Output.WriteLine($"Training {config.Model.Kind} ({run.Model.ParameterCount():N0} parameters{conditional}) on {dataset.Name} "
                + $"({Math.Min(run.Dataset.Train.Count, s.TrainSize ?? int.MaxValue)} train, {Math.Min(run.Dataset.Test.Count, s.TestSize ?? int.MaxValue)} test, {Tensors.Tensor.FormatShape(dataset.SampleShape)}) into {folder}.");
            if (config.Model is { Kind: "glow", IsImage: true })
            {
                double gb = ModelFactory.ToGlowConfig(config.Model).EstimatedActivationBytes(PerRank(s.Batch, context.Communicator.Size)) / 1e9;
                context.Output.WriteLine(config.Model.MemoryEfficientBackprop
                    ? $"Memory-efficient back-propagation: ordinary back-propagation would store ~{gb:0.00} GB of activations per batch."
                    : $"Ordinary back-propagation (~{gb:0.00} GB of activations per batch; --memory-efficient true keeps memory flat in depth, ~25% slower).");
            }
        }

        if (context.Communicator is { Size: > 1 } comm)
        {
            var (_, shard) = Trainer.Shard(run.Config.Training.Batch, 0, comm.Size);
            context.Output.WriteLine($"Data-parallel over {comm.Size} ranks ({comm.Description}), {Kernels.Parallelism.Threads} thread{(Kernels.Parallelism.Threads == 1 ? "" : "s")} per rank: "
                + $"each rank computes {shard}{(run.Config.Training.Batch % comm.Size == 0 ? "" : " or fewer")} examples of every batch of {run.Config.Training.Batch}; rank 0 writes the files.");
        }

        var outcome = context.Interactive
            ? SpectreProgress.Run(run, context.Cancellation)
            : run.Run(new PlainProgress(context.Output, run.Config.Training.LogEvery), context.Cancellation);
        string metric = run.Config.Data.Preprocessing == "none" ? "nll" : "bpd";
        if (outcome.Cancelled)
        {
            context.Output.WriteLine($"Stopped at step {outcome.Step}; continue with: flows train --resume {run.Folder}");
            context.Output.WriteLine($"Checkpoint: {outcome.CheckpointFolder}");
            return CommandRunner.Failure;
        }

        context.Output.WriteLine($"Done: step {outcome.Step}, test {metric} {outcome.Test.Metric:0.0000} on {outcome.Test.Count} examples.");
        context.Output.WriteLine($"Checkpoint: {outcome.CheckpointFolder}");
        return 0;
    }

    /// <summary>The largest shard of a batch one of <paramref name="ranks"/> ranks computes.</summary>
    private static int PerRank(int batch, int ranks) => Trainer.Shard(batch, 0, Math.Clamp(ranks, 1, batch)).Count;

    /// <summary>
    /// A note when a new length stretches the cosine decay so far that the learning rate jumps back up (a finished run
    /// extended: measured on zoo/glow-mnist, 8,500 → 30,000 steps took the rate from ~0 to 8e-4 and cost ~0.2 bpd
    /// for ~2,000 steps before the run recovered); null when the rate changes little.
    /// </summary>
    private static string? RateJump(RunConfig saved, TrainingRun run)
    {
        var before = saved.Training;
        var after = run.Config.Training;
        if (!before.CosineDecay || !after.CosineDecay)
        {
            return null;
        }

        int perEpoch = run.Dataset.Train.Count / Math.Max(1, before.Batch);
        if (TrainingRun.StepLimit(before, perEpoch) is not { } oldTotal || TrainingRun.StepLimit(after, perEpoch) is not { } newTotal || newTotal <= oldTotal)
        {
            return null;
        }

        long step = Math.Max(run.StepCount, 1);
        double was = new Optim.WarmupCosine(before.LearningRate, before.Warmup, oldTotal, before.DecayFloor).LearningRateAt(step);
        double now = new Optim.WarmupCosine(after.LearningRate, after.Warmup, newTotal, after.DecayFloor).LearningRateAt(step);
        return now > (2 * was) + (0.05 * after.LearningRate)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Note: the cosine decay now runs to step {newTotal}, so the learning rate at step {run.StepCount} goes from {was:G3} back up to {now:G3}; a finished run extended this way loses ground for a while before it gains.")
            : null;
    }

    /// <summary>
    /// Opens the data on rank 0 first and then on the other ranks, so that a download or cache fill happens once
    /// (ranks on one machine share the cache); in one process, simply opens them.
    /// </summary>
    private static Dataset InTurn(CommandContext context, Func<Dataset> open)
    {
        var comm = context.Communicator;
        Dataset? dataset = comm.IsRoot ? open() : null;
        comm.Barrier();
        return dataset ?? open();
    }

    /// <summary>
    /// The data as the config will reopen them on resume (<see cref="DataConfig.Apply"/>: its classes, its
    /// perturbation); a class the data do not have is a usage error. The perturbation's own conditions are checked
    /// by <see cref="ToConfig"/>.
    /// </summary>
    private static Dataset Prepared(DataConfig data, Dataset whole)
    {
        try
        {
            return data.Apply(whole);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new UsageException($"--classes: {e.Message}");
        }
    }

    /// <summary>The run configuration the options describe, checked against the data.</summary>
    /// <param name="s">The parsed options.</param>
    /// <param name="dataset">The data the run trains on.</param>
    /// <param name="ranks">MPI ranks sharing each batch: memory-efficient back-propagation is chosen for the largest shard one rank holds.</param>
    public static RunConfig ToConfig(TrainSettings s, Dataset dataset, int ranks = 1)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(dataset);
        var shape = dataset.SampleShape;
        if (dataset.IsImages && s.Model != "nice")
        {
            // Glow squeezes on every level; RealNVP's last scale does not.
            int halvings = s.Model == "realnvp" ? s.Levels - 1 : s.Levels;
            int factor = 1 << halvings;
            if (shape[1] % factor != 0 || shape[2] % factor != 0)
            {
                throw new UsageException($"{s.Levels} levels halve the image size {halvings} times, so {shape[1]}x{shape[2]} must be divisible by {factor}; use fewer --levels.");
            }
        }

        if (s.TrainSize is { } n && n < s.Batch)
        {
            throw new UsageException($"--train-size {n} is smaller than one batch (--batch {s.Batch}).");
        }

        bool glowAffine = s.Model == "glow" && dataset.IsImages && s.Coupling == "affine";
        if (!glowAffine && s.Given.Contains("--scale-floor"))
        {
            throw new UsageException("--scale-floor applies to Glow's affine coupling on images only (--model glow --coupling affine).");
        }

        bool glowImages = s.Model == "glow" && dataset.IsImages;
        if (!glowImages && s.LearnTop)
        {
            throw new UsageException("--learn-top applies to Glow on images only (--model glow with image data).");
        }

        if (s.Conditional && !glowImages)
        {
            throw new UsageException("--conditional applies to Glow on images only (--model glow with image data).");
        }

        if (s.Conditional && dataset.Train.Labels is not { Length: > 0 })
        {
            throw new UsageException($"--conditional needs labelled data; {dataset.Name} has no labels.");
        }

        bool realNvpImages = s.Model == "realnvp" && dataset.IsImages;
        foreach (string option in (string[])["--masks", "--step-norm"])
        {
            if (!realNvpImages && s.Given.Contains(option))
            {
                throw new UsageException($"{option} applies to RealNVP on images only (--model realnvp with image data).");
            }
        }

        if (s.Logit is not null && !(realNvpImages || glowImages))
        {
            throw new UsageException("--logit applies to RealNVP and Glow on images only.");
        }

        if (s.Perturb is not null && !dataset.IsImages)
        {
            throw new UsageException("--perturb applies to images only.");
        }

        if (!glowImages && s.MemoryEfficient is not null && s.Given.Contains("--memory-efficient"))
        {
            throw new UsageException("--memory-efficient applies to Glow on images only (--model glow with image data).");
        }

        bool noLength = s.Epochs is null && s.Steps is null && s.Minutes is null;
        var model = new ModelConfig
        {
            Kind = s.Model,
            DataShape = shape,
            Levels = s.Levels,
            StepsPerLevel = s.StepsPerLevel,
            Hidden = s.Hidden,
            HiddenLayers = s.HiddenLayers ?? (s.Model == "nice" ? 4 : 2),
            Coupling = s.Coupling,
            Permutation = s.Permutation ?? "lu",
            ScaleFloor = glowAffine ? s.ScaleFloor : 0,
            LearnedTopPrior = s.LearnTop,
            Classes = s.Conditional ? Math.Max(dataset.ClassNames.Count, dataset.Train.Labels!.Max() + 1) : 0,
            Masks = s.Masks,
            StepNorm = s.StepNorm,
            LogitAlpha = realNvpImages || glowImages ? s.Logit : null,
            Seed = s.Seed,
        };
        model = model with
        {
            MemoryEfficientBackprop = glowImages && (s.MemoryEfficient ?? ModelFactory.ToGlowConfig(model).NeedsMemoryEfficientBackprop(PerRank(s.Batch, ranks))),
        };
        return new RunConfig
        {
            Model = model,
            Data = new DataConfig
            {
                Name = ImageDatasetInfo.Find(s.Data!) is not null || Datasets.IsToy(s.Data!) ? dataset.Name : Path.GetFullPath(s.Data!),
                Preprocessing = dataset.IsImages ? "dequantize" : "none",
                Bits = dataset.Dequantization?.Bits ?? 8,
                ClassNames = [.. dataset.ClassNames],
                Classes = s.Classes is { Length: > 0 } ? s.Classes : null,
                Perturbation = s.Perturb,
            },
            Training = new TrainingSettings
            {
                Batch = s.Batch,
                Optimizer = s.Optimizer,
                LearningRate = s.LearningRate,
                LogScaleRate = s.LogScaleRate,
                Warmup = s.Warmup,
                Clip = s.Clip,
                ReconstructionTolerance = s.ReconstructionTolerance,
                Guard = s.Guard,
                CosineDecay = s.CosineDecay,
                Seed = s.Seed,
                Epochs = noLength ? 1 : s.Epochs,
                Steps = s.Steps,
                Minutes = s.Minutes,
                CheckpointEvery = s.CheckpointEvery,
                TestSize = s.TestSize,
                TrainSize = s.TrainSize,
                LogEvery = s.LogEvery,
            },
        };
    }
}
