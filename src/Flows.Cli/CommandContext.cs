using System.CommandLine;

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

    public static CommandContext From(ParseResult parseResult, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var config = parseResult.InvocationConfiguration;
        var output = config.Output;
        var error = config.Error;
        bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
        return new CommandContext(output, error, interactive, cancellation);
    }
}
