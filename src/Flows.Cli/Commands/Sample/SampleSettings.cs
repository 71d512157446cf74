namespace Flows.Cli.Commands.Sample;

/// <summary>The options of <c>flows sample</c>.</summary>
internal sealed record SampleSettings(string Checkpoint, int N, float Temperature, bool Sweep, ulong Seed, string Out, string? DataDir)
{
    /// <summary>Class-conditional models: the labels to sample, one row each; null for every class.</summary>
    public int[]? Classes { get; init; }

    /// <summary>2-D models: further checkpoints whose densities go beside the first one's.</summary>
    public string[] Others { get; init; } = [];
}
