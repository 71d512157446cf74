namespace Flows.Cli.Commands.Manipulate;

/// <summary>The options of <c>flows manipulate</c>.</summary>
internal sealed record ManipulateSettings(string Checkpoint, string Label, int[] Images, float[] Strengths, int Reference, string Out, string? DataDir);
