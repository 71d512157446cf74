using System.CommandLine;
using Flows.Cli.Commands.Data;
using Flows.Cli.Commands.Decode;
using Flows.Cli.Commands.Encode;
using Flows.Cli.Commands.Eval;
using Flows.Cli.Commands.Interpolate;
using Flows.Cli.Commands.Manipulate;
using Flows.Cli.Commands.Sample;
using Flows.Cli.Commands.Train;

namespace Flows.Cli;

/// <summary>The <c>flows</c> command: the root command and its verbs, one folder per verb under Commands/.</summary>
internal static class FlowsCli
{
    /// <summary>
    /// The verbs, in the order help lists them. A new verb is a <c>Commands/Verb/VerbCommand.Create()</c>
    /// added here (or passed to <see cref="CreateRootCommand"/> as an extra).
    /// </summary>
    public static IEnumerable<Command> Verbs()
    {
        yield return DataCommand.Create();
        yield return TrainCommand.Create();
        yield return EvalCommand.Create();
        yield return Commands.Score.ScoreCommand.Create();
        yield return Commands.Ood.OodCommand.Create();
        yield return SampleCommand.Create();
        yield return InterpolateCommand.Create();
        yield return ManipulateCommand.Create();
        yield return EncodeCommand.Create();
        yield return DecodeCommand.Create();
        yield return Commands.Plot.PlotCommand.Create();
        yield return Commands.Bench.BenchCommand.Create();
    }

    public static RootCommand CreateRootCommand(params Command[] extraVerbs)
    {
        var root = new RootCommand("flows: normalizing flows (NICE, RealNVP, Glow) — train, evaluate, sample, encode and decode.") { HelpName = "flows" };
        foreach (var verb in Verbs())
        {
            // Every verb that computes with a model takes --threads (train declares it among its options, bench has its own).
            if (verb.Name is not ("data" or "bench") && !verb.Options.Any(o => o.Name == "--threads"))
            {
                verb.Options.Add(OptionRules.Threads());
            }

            root.Subcommands.Add(verb);
        }

        foreach (var verb in extraVerbs)
        {
            root.Subcommands.Add(verb);
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "The process boundary: a failure in parsing itself still ends as a message and an exit code, not a stack trace.")]
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        bool quietRank = MpiLaunch.EnvironmentRank != 0;
        if (quietRank)
        {
            // Under mpirun every rank parses the same arguments and prints the same help: rank 0 alone speaks.
            output = TextWriter.Null;
        }
        // Ctrl+C cancels the verb's token; a training run then finishes its step and saves a checkpoint,
        // which needs more than System.CommandLine's default grace of two seconds.
        var config = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        try
        {
            var parse = CreateRootCommand().Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line per problem and a hint, never the whole help text (that is for --help).
                if (quietRank)
                {
                    return CommandRunner.Usage;
                }

                foreach (var problem in parse.Errors.Select(e => e.Message).Distinct())
                {
                    error.WriteLine($"error: {CommandRunner.OneLine(problem)}");
                }

                var path = new List<string>();
                for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
                {
                    path.Insert(0, result.Command is RootCommand ? "flows" : result.Command.Name);
                }

                error.WriteLine($"Try '{string.Join(' ', path)} --help'.");
                return CommandRunner.Usage;
            }

            return parse.Invoke(config);
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            return CommandRunner.Failure;
        }
    }
}
