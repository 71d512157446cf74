namespace Flows.Cli.Commands.Interpolate;

/// <summary>The options of <c>flows interpolate</c>: one row per pair (From[i], To[i]).</summary>
internal sealed record InterpolateSettings(string Checkpoint, int[] From, int[] To, int Steps, string Out, string? DataDir);
