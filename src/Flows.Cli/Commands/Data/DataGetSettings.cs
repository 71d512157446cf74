namespace Flows.Cli.Commands.Data;

/// <summary>The options of <c>flows data get</c>.</summary>
internal sealed record DataGetSettings(string Dataset, string? CacheDir, string? From);
