using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Flows.Data;
using Flows.Distributed;
using Flows.Training;

namespace Flows.Cli;

/// <summary>
/// The error boundary of every verb: expected failures (bad input, missing data, unreadable files) become
/// one line "error: …" on the error writer and exit code 1; nothing prints a stack trace.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Exit code of a failure: the input was understood but the work could not be done (missing or damaged data, divergence, I/O).</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a usage error: an option, argument or combination the command does not accept.</summary>
    public const int Usage = 2;

    /// <summary>The first line of an exception message without .NET's "(Parameter 'x')" suffix.</summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string line = message.ReplaceLineEndings("\n").Split('\n')[0].Trim();
        int parameter = line.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter > 0 ? line[..parameter] : line;
    }

    /// <summary>Gives a verb its action: parse result in, exit code out.</summary>
    public static void SetAction(Command command, Func<ParseResult, CommandContext, int> run)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction((parseResult, cancellation) => Task.FromResult(Run(parseResult, run, cancellation)));
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "The command line's top-level boundary: any failure becomes a message and an exit code, never a stack trace.")]
    public static int Run(ParseResult parseResult, Func<ParseResult, CommandContext, int> run, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(run);
        Communicator communicator;
        try
        {
            communicator = Communicator.LaunchedByMpi ? Communicator.FromEnvironment() : Communicator.OneProcess;
        }
        catch (InvalidOperationException e)
        {
            if (MpiLaunch.EnvironmentRank == 0)
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            }

            return Failure;
        }

        var context = CommandContext.From(parseResult, communicator, cancellation);
        string verb = parseResult.CommandResult.Command.Name;
        if (communicator.Size > 1 && verb is not ("train" or "eval"))
        {
            if (communicator.IsRoot)
            {
                context.Error.WriteLine($"error: only 'flows train' and 'flows eval' run across MPI ranks; start 'flows {verb}' without mpirun (it got {communicator.Size} ranks).");
            }

            return Usage;
        }

        if (parseResult.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--threads") is Option<int?> threads
            && parseResult.GetValue(threads) is int n)
        {
            Kernels.Parallelism.Threads = n;
        }
        else if (Communicator.LocalSize > 1)
        {
            // Ranks on one machine share its cores unless told otherwise.
            Kernels.Parallelism.Threads = Math.Max(1, Environment.ProcessorCount / Communicator.LocalSize);
        }

        if (communicator.Size > 1)
        {
            return RunRank(parseResult, run, context);
        }

        try
        {
            return run(parseResult, context);
        }
        catch (UsageException e)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is DataUnavailableException or TrainingDivergedException or InvalidDataException
                                   or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            context.Error.WriteLine($"error: {(e is ArgumentException ? OneLine(e.Message) : e.Message.ReplaceLineEndings(" "))}");
            return Failure;
        }
        catch (OperationCanceledException)
        {
            // Training itself stops at a step boundary and saves; this is a cancel while a model was built or loaded.
            context.Error.WriteLine("error: cancelled (Ctrl+C or SIGTERM) before the work was done; a run being built or loaded writes nothing.");
            return Failure;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            return Failure;
        }
    }

    /// <summary>
    /// A verb on one rank of an MPI job. An error every rank meets at once (a usage error, ranks that disagree, a
    /// divergence, all decided from the same reduced values) is said once, by rank 0, and every rank exits with its
    /// code. Any other error is one rank's: it says which and ends the whole job (MPI_Abort), since the other
    /// ranks would wait for it forever.
    /// </summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "The top-level boundary of one rank: any failure becomes a message and ends the job.")]
    private static int RunRank(ParseResult parseResult, Func<ParseResult, CommandContext, int> run, CommandContext context)
    {
        var comm = context.Communicator;
        try
        {
            return run(parseResult, context);
        }
        catch (Exception e) when (e is UsageException or RanksDisagreeException or TrainingDivergedException)
        {
            if (comm.IsRoot)
            {
                context.Error.WriteLine($"error: {e.Message}");
            }

            return e is UsageException ? Usage : Failure;
        }
        catch (Exception e)
        {
            string message = e is ArgumentException ? OneLine(e.Message) : e.Message.ReplaceLineEndings(" ");
            string what = e switch
            {
                OperationCanceledException => "cancelled (Ctrl+C or SIGTERM) before the work was done; a run being built or loaded writes nothing.",
                IOException or InvalidDataException or DataUnavailableException or InvalidOperationException or ArgumentException or UnauthorizedAccessException => message,
                _ => $"unexpected {e.GetType().Name}: {message}",
            };
            context.Error.WriteLine($"error: rank {comm.Rank} of {comm.Size}: {what} Ending the job.");
            context.Error.Flush();
            comm.Abort(Failure);
            return Failure;
        }
    }
}
