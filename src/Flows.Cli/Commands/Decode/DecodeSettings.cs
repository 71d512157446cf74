namespace Flows.Cli.Commands.Decode;

/// <summary>The options of <c>flows decode</c>.</summary>
internal sealed record DecodeSettings(string Checkpoint, string Latents, string? Out, string? Tensors);
