namespace Flows.Cli.Commands.Encode;

/// <summary>The options of <c>flows encode</c>.</summary>
internal sealed record EncodeSettings(string Checkpoint, int From, int Count, string Out, string? DataDir);
