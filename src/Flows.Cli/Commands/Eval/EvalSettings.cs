namespace Flows.Cli.Commands.Eval;

/// <summary>The options of <c>flows eval</c>.</summary>
internal sealed record EvalSettings(string Checkpoint, int? TestSize, int Batch, ulong Seed, string? DataDir);
