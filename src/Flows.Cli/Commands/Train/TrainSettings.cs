using Flows.Training;

namespace Flows.Cli.Commands.Train;

/// <summary>The options of <c>flows train</c>, as typed values.</summary>
internal sealed record TrainSettings
{
    public string Model { get; init; } = "glow";

    public string? Data { get; init; }

    public int Levels { get; init; } = 2;

    public int StepsPerLevel { get; init; } = 8;

    public int Hidden { get; init; } = 128;

    public int? HiddenLayers { get; init; }

    public string Coupling { get; init; } = "affine";

    /// <summary>Null: "lu".</summary>
    public string? Permutation { get; init; }

    public int Bits { get; init; } = 8;

    public bool MemoryEfficient { get; init; } = true;

    public int Batch { get; init; } = 64;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public double LearningRate { get; init; } = 1e-3;

    public double LogScaleRate { get; init; } = 1;

    public long Warmup { get; init; } = 200;

    public double Clip { get; init; }

    public double? Epochs { get; init; }

    public long? Steps { get; init; }

    public double? Minutes { get; init; }

    public ulong Seed { get; init; } = 1;

    public int? Threads { get; init; }

    public string? Out { get; init; }

    public string? Resume { get; init; }

    public long CheckpointEvery { get; init; } = 1000;

    public int? TestSize { get; init; }

    public int? TrainSize { get; init; }

    public string? DataDir { get; init; }

    public int LogEvery { get; init; } = 50;

    /// <summary>Options given explicitly that a resumed run takes from its saved configuration instead.</summary>
    public IReadOnlyList<string> GivenOnResume { get; init; } = [];
}
