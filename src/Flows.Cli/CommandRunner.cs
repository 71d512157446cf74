using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Flows.Data;
using Flows.Training;

namespace Flows.Cli;

/// <summary>
/// The error boundary of every verb: expected failures (bad input, missing data, unreadable files) become
/// one line "error: …" on the error writer and exit code 1; nothing prints a stack trace.
/// </summary>
internal static class CommandRunner
{
    public const int Failure = 1;

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
        var context = CommandContext.From(parseResult, cancellation);
        try
        {
            return run(parseResult, context);
        }
        catch (Exception e) when (e is UsageException or DataUnavailableException or TrainingDivergedException or InvalidDataException
                                   or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("error: cancelled.");
            return Failure;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            return Failure;
        }
    }
}
