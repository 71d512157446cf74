using System.CommandLine;
using Flows.Checkpoints;

namespace Flows.Cli.Commands.Train;

/// <summary>The options of <c>flows train</c> and their parsing into <see cref="TrainSettings"/>.</summary>
internal static partial class TrainCommand
{
    public static Command Create()
    {
        var d = new TrainSettings();
        var model = new Option<string>("--model") { Description = "The flow: glow, realnvp or nice.", DefaultValueFactory = _ => d.Model };
        model.AcceptOnlyFromAmong([.. ModelFactory.Kinds]);
        var data = new Option<string?>("--data") { Description = "mnist, fashion-mnist, moons, rings, 8gaussians, checkerboard, or a folder of IDX files." };
        var levels = OptionRules.Positive(new Option<int>("--levels", "-L") { Description = "Multi-scale levels (image models).", DefaultValueFactory = _ => d.Levels });
        var steps = OptionRules.Positive(new Option<int>("--steps-per-level", "-K") { Description = "Flow steps per level (image models) or couplings (vector models, NICE).", DefaultValueFactory = _ => d.StepsPerLevel });
        var hidden = OptionRules.Positive(new Option<int>("--hidden") { Description = "Hidden width of the coupling networks.", DefaultValueFactory = _ => d.Hidden });
        var hiddenLayers = new Option<int?>("--hidden-layers") { Description = "Hidden layers of MLP conditioners (vector models, NICE) or residual blocks (RealNVP images); default 2, NICE 4." };
        OptionRules.Check(hiddenLayers, v => v is null or >= 1, "must be at least 1");
        var coupling = new Option<string>("--coupling") { Description = "Glow coupling: affine or additive.", DefaultValueFactory = _ => d.Coupling };
        coupling.AcceptOnlyFromAmong("affine", "additive");
        var scaleFloor = new Option<double>("--scale-floor") { Description = "Glow affine coupling: a constant added to the sigmoid scale, so no scale falls below it (0 = Glow's).", DefaultValueFactory = _ => d.ScaleFloor };
        OptionRules.Check(scaleFloor, v => v >= 0 && v < 1, "must be in [0, 1)");
        var learnTop = new Option<bool>("--learn-top") { Description = "Glow on images: learn the top latent's per-channel mean and log-std (Glow's learn_top) instead of N(0, I)." };
        var conditional = new Option<bool>("--conditional") { Description = "Glow on labelled images: a class-conditional top prior (Glow's y-conditioning), trained on p(x | label); flows sample --class draws a chosen class, test bpd is the marginal over the classes." };
        var permutation = new Option<string?>("--permutation") { Description = "Glow channel mixing between couplings: 1x1, lu, shuffle or reverse (default lu)." };
        permutation.AcceptOnlyFromAmong("1x1", "lu", "shuffle", "reverse");
        var masks = new Option<string>("--masks") { Description = "RealNVP on images: the couplings after each squeeze use channel masks (the paper's) or checkerboard masks.", DefaultValueFactory = _ => d.Masks };
        masks.AcceptOnlyFromAmong("channel", "checkerboard");
        var stepNorm = new Option<string>("--step-norm") { Description = "RealNVP on images: the normalisation after every coupling, batchnorm (the paper's), actnorm (Glow's) or none.", DefaultValueFactory = _ => d.StepNorm };
        stepNorm.AcceptOnlyFromAmong("batchnorm", "actnorm", "none");
        var logit = new Option<double?>("--logit") { Description = "RealNVP and Glow on images: RealNVP's logit preprocessing with this α as the model's first bijector, e.g. 1e-6 (its paper's for MNIST) or 0.05." };
        OptionRules.Check(logit, v => v is null or (>= 0 and < 0.5), "must lie in [0, 0.5)");
        var memoryEfficient = new Option<string>("--memory-efficient") { Description = "Glow: back-propagate by rebuilding each step's input with its inverse (memory flat in depth, ~25% slower) instead of storing activations: true, false or auto (on when the stored activations would exceed 1 GiB).", DefaultValueFactory = _ => "auto" };
        memoryEfficient.AcceptOnlyFromAmong("auto", "true", "false");
        var bits = new Option<int>("--n-bits") { Description = "Bits per pixel kept (1-8), as Glow's n_bits_x.", DefaultValueFactory = _ => d.Bits };
        OptionRules.Check(bits, v => v is >= 1 and <= 8, "must be between 1 and 8");
        var batch = OptionRules.Positive(new Option<int>("--batch") { Description = "Examples per step.", DefaultValueFactory = _ => d.Batch });
        var lr = new Option<double>("--lr") { Description = "Adam learning rate after warm-up.", DefaultValueFactory = _ => d.LearningRate };
        OptionRules.Check(lr, v => v > 0 && double.IsFinite(v), "must be a positive number");
        var optimizer = new Option<string>("--optimizer") { Description = "adam or adamax.", DefaultValueFactory = _ => d.Optimizer.ToString().ToLowerInvariant() };
        optimizer.AcceptOnlyFromAmong("adam", "adamax");
        var logScaleRate = new Option<double>("--log-scale-rate") { Description = "Step-size multiplier of the log-scale parameters (ActNorm, LU convolution), as Glow's logscale_factor.", DefaultValueFactory = _ => d.LogScaleRate };
        OptionRules.Check(logScaleRate, v => v > 0 && double.IsFinite(v), "must be a positive number");
        var warmup = OptionRules.NonNegative(new Option<long>("--warmup") { Description = "Steps of linear learning-rate warm-up.", DefaultValueFactory = _ => d.Warmup });
        var clip = OptionRules.NonNegative(new Option<double>("--clip") { Description = "Clip the global gradient norm to this (0 = off).", DefaultValueFactory = _ => d.Clip });
        var decay = new Option<bool>("--cosine-decay") { Description = "After warm-up, decay the learning rate along a cosine to 0 by the run's step limit (--steps/--epochs).", DefaultValueFactory = _ => d.CosineDecay };
        var guard = new Option<bool>("--divergence-guard") { Description = "Skip loss spikes and roll a diverging run back to its last good state at half the learning rate.", DefaultValueFactory = _ => d.Guard };
        var epochs = new Option<double?>("--epochs") { Description = "Length in epochs (the run stops at the first limit reached; default 1 epoch)." };
        var totalSteps = new Option<long?>("--steps") { Description = "Length in steps, counted from the start of the run (also over --resume)." };
        var minutes = new Option<double?>("--minutes") { Description = "Length in minutes of training, counted over resumes." };
        OptionRules.Check(epochs, v => v is null || v > 0, "must be positive");
        OptionRules.Check(totalSteps, v => v is null || v > 0, "must be positive");
        OptionRules.Check(minutes, v => v is null || v > 0, "must be positive");

        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, batch order and noise.", DefaultValueFactory = _ => d.Seed };
        var threads = OptionRules.Threads(); // applied by CommandRunner
        var output = new Option<string?>("--out", "-o") { Description = "Output folder (default runs/MODEL-DATA)." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder exactly where it stopped." };
        var checkpointEvery = OptionRules.Positive(new Option<long>("--checkpoint-every") { Description = "Checkpoint interval in steps (also at every epoch end and at the end).", DefaultValueFactory = _ => d.CheckpointEvery });
        var testSize = new Option<int?>("--test-size") { Description = "Test examples evaluated (default: the whole test set)." };
        var trainSize = new Option<int?>("--train-size") { Description = "Train on the first N examples only." };
        OptionRules.Check(testSize, v => v is null or >= 1, "must be at least 1");
        OptionRules.Check(trainSize, v => v is null or >= 1, "must be at least 1");

        var classes = new Option<string?>("--classes") { Description = "Train and test on these labels only, e.g. --classes 3 (a one-class model) or --classes 0,8." };
        var tolerance = OptionRules.Positive(new Option<double>("--reconstruction-tolerance") { Description = "Memory-efficient backprop: redo a step with ordinary backprop when a rebuilt activation is off by more than this (ActNorm-normalised units).", DefaultValueFactory = _ => d.ReconstructionTolerance });
        var perturb = new Option<double?>("--perturb") { Description = "Images: replace each training pixel by a random value with this probability, e.g. 0.2, to train a background model for flows score/ood --background (Ren et al. 2019)." };
        OptionRules.Check(perturb, v => v is null or (> 0 and < 1), "must lie in (0, 1)");
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder (default $FLOWS_DATA or the per-user cache)." };
        var logEvery = OptionRules.Positive(new Option<int>("--log-every") { Description = "Steps between progress lines when the output is not a terminal.", DefaultValueFactory = _ => d.LogEvery });

        var command = new Command("train", "Train a flow (NICE, RealNVP or Glow) on images or 2-D data, with test bpd each epoch, sample pictures, metrics and checkpoints.")
        {
            model, data, levels, steps, hidden, hiddenLayers, coupling, scaleFloor, learnTop, conditional, permutation, masks, stepNorm, logit, memoryEfficient, bits, batch, optimizer, lr, logScaleRate, warmup, decay, clip, guard, tolerance,
            epochs, totalSteps, minutes, seed, threads, output, resume, checkpointEvery, testSize, trainSize, classes, perturb, dataDir, logEvery,
        };
        CommandRunner.SetAction(command, (p, context) => Run(
            new TrainSettings
            {
                Model = p.GetRequiredValue(model),
                Data = p.GetValue(data),
                Levels = p.GetValue(levels),
                StepsPerLevel = p.GetValue(steps),
                Hidden = p.GetValue(hidden),
                HiddenLayers = p.GetValue(hiddenLayers),
                Coupling = p.GetRequiredValue(coupling),
                Permutation = p.GetValue(permutation),
                ScaleFloor = p.GetValue(scaleFloor),
                LearnTop = p.GetValue(learnTop),
                Conditional = p.GetValue(conditional),
                Masks = p.GetRequiredValue(masks),
                StepNorm = p.GetRequiredValue(stepNorm),
                Logit = p.GetValue(logit),
                MemoryEfficient = p.GetRequiredValue(memoryEfficient) switch { "true" => true, "false" => false, _ => null },
                Bits = p.GetValue(bits),
                Batch = p.GetValue(batch),
                Optimizer = Enum.Parse<OptimizerKind>(p.GetRequiredValue(optimizer), ignoreCase: true),
                LearningRate = p.GetValue(lr),
                LogScaleRate = p.GetValue(logScaleRate),
                Warmup = p.GetValue(warmup),
                Clip = p.GetValue(clip),
                Guard = p.GetValue(guard),
                ReconstructionTolerance = p.GetValue(tolerance),
                CosineDecay = p.GetValue(decay),
                Epochs = p.GetValue(epochs),
                Steps = p.GetValue(totalSteps),
                Minutes = p.GetValue(minutes),
                Seed = p.GetValue(seed),
                Out = p.GetValue(output),
                Resume = p.GetValue(resume),
                CheckpointEvery = p.GetValue(checkpointEvery),
                TestSize = p.GetValue(testSize),
                TrainSize = p.GetValue(trainSize),
                Classes = p.GetValue(classes) is { } list ? ListParser.Integers(list, "--classes") : null,
                Perturb = p.GetValue(perturb),
                DataDir = p.GetValue(dataDir),
                LogEvery = p.GetValue(logEvery),
                Given = Given(p, model, levels, steps, hidden, hiddenLayers, coupling, scaleFloor, learnTop, conditional, permutation, masks, stepNorm, logit, memoryEfficient, bits, batch, optimizer, lr, logScaleRate, warmup, decay, clip, guard, tolerance,
                    seed, output, checkpointEvery, testSize, trainSize, classes, perturb, logEvery),
            },
            context));
        return command;
    }

    /// <summary>The options among <paramref name="options"/> that the command line spelled out (not defaults).</summary>
    private static string[] Given(ParseResult parse, params Option[] options)
    {
        var given = new List<string>();
        foreach (var option in options)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                given.Add(option.Name);
            }
        }

        return [.. given];
    }
}
