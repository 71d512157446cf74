using System.CommandLine;
using System.Globalization;
using Flows.Training;

namespace Flows.Cli.Commands.Eval;

/// <summary><c>flows eval CKPT</c>: test bpd (or nll) over the whole test set with a fixed noise seed, and the invertibility error.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A checkpoint folder or a run folder." };
        var testSize = new Option<int?>("--test-size") { Description = "Evaluate only the first N test examples (default: all)." };
        var batch = OptionRules.Positive(new Option<int>("--batch") { Description = "Examples per forward pass.", DefaultValueFactory = _ => 256 });
        var seed = new Option<ulong>("--seed") { Description = "Seed of the dequantization noise.", DefaultValueFactory = _ => Evaluator.DefaultNoiseSeed };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset cache folder." };
        var command = new Command("eval", "Evaluate a checkpoint: test bpd with a fixed noise seed and max |x - Decode(Encode(x))|.") { ckpt, testSize, batch, seed, dataDir };
        CommandRunner.SetAction(command, (p, context) => Run(
            new EvalSettings(p.GetRequiredValue(ckpt), p.GetValue(testSize), p.GetValue(batch), p.GetValue(seed), p.GetValue(dataDir)), context));
        return command;
    }

    public static int Run(EvalSettings s, CommandContext context)
    {
        var loaded = LoadedCheckpoint.Open(s.Checkpoint, s.DataDir, context.Output, context.Cancellation);
        var dataset = loaded.Dataset;
        var objective = Objective.For(dataset);
        // Under mpirun the batches are shared out across the ranks (the same bits as one process); rank 0 reports.
        var result = Evaluator.Evaluate(loaded.Model, dataset.Test, objective, s.Batch, s.Seed, s.TestSize, context.Communicator);
        if (!context.Communicator.IsRoot)
        {
            return 0;
        }

        var errors = Evaluator.InvertibilityErrors(loaded.Model, dataset.Test, Math.Min(result.Count, 1000), Math.Min(s.Batch, 128), s.Seed);
        double error = Evaluator.MaxError(errors);
        double median = errors.Order().ElementAt(errors.Length / 2);
        int above = errors.Count(e => !(e <= 1e-3));
        var inv = CultureInfo.InvariantCulture;
        context.Output.WriteLine(string.Create(inv, $"checkpoint: {loaded.Folder}"));
        context.Output.WriteLine(string.Create(inv, $"test {objective.Name}: {result.Metric:0.0000} ({result.Count} examples, noise seed {s.Seed}; mean log p(x) {result.MeanLogProb:0.###} nats)"));
        context.Output.WriteLine(string.Create(inv, $"invertibility error: max |x - Decode(Encode(x))| = {error:E3} over {errors.Length} examples (median {median:E1}; {above} above 1e-3)"));
        if (!double.IsFinite(result.Metric) || !double.IsFinite(error))
        {
            context.Error.WriteLine("error: the evaluation is not finite.");
            return CommandRunner.Failure;
        }

        return 0;
    }
}
