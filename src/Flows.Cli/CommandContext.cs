using System.CommandLine;
using Flows.Distributed;

namespace Flows.Cli;

/// <summary>What a verb's Run method gets: its writers, whether a live terminal is attached, and cancellation.</summary>
internal sealed class CommandContext
{
    public CommandContext(TextWriter output, TextWriter error, bool interactive, CancellationToken cancellation)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Cancellation = cancellation;
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>True when the output is a terminal (progress bars); false when redirected or captured (plain lines).</summary>
    public bool Interactive { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>The ranks of the MPI job this process belongs to (one process when not started by mpirun).</summary>
    public Communicator Communicator { get; init; } = Communicator.OneProcess;

    /// <summary>The context of a verb; ranks other than 0 of an MPI job write nothing to the output (errors still go to the error writer).</summary>
    public static CommandContext From(ParseResult parseResult, Communicator communicator, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(communicator);
        var config = parseResult.InvocationConfiguration;
        var output = communicator.IsRoot ? config.Output : TextWriter.Null;
        var error = config.Error;
        bool interactive = communicator.Size == 1 && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
        return new CommandContext(output, error, interactive, cancellation) { Communicator = communicator };
    }
}
