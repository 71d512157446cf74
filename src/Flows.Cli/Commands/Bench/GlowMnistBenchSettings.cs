namespace Flows.Cli.Commands.Bench;

/// <summary>Options of <c>flows bench glow-mnist</c>.</summary>
/// <param name="StepsPerLevel">K (8 in the spec; 32 for the depth-memory figure).</param>
/// <param name="MemoryEfficient">Reversible back-propagation on (null: run both, each in its own process).</param>
/// <param name="Batch">Images per step (64 in the spec).</param>
/// <param name="TimedSteps">Training steps timed after the warm-up.</param>
/// <param name="WarmupSteps">Untimed steps first (ActNorm init, JIT, pool fill).</param>
/// <param name="SampleReps">Timed sampling batches after the warm-up.</param>
/// <param name="Threads">Kernel threads (2 in the spec).</param>
/// <param name="PeakOnly">Stop after the training steps (peak RSS of training alone).</param>
/// <param name="Profile">Also print where a training step's time goes.</param>
/// <param name="TrainMinutes">Instead of benchmarking: train from scratch this long, then print test bpd.</param>
/// <param name="Record">Instead of benchmarking: write the start of a training run (initial state, --steps batches, losses) to this folder.</param>
/// <param name="Seed">Model, batch order and noise seed.</param>
/// <param name="Clip">With <paramref name="TrainMinutes"/>: clip gradients to this global norm (not in the spec; 0 = off).</param>
internal sealed record GlowMnistBenchSettings(
    int StepsPerLevel = 8,
    bool? MemoryEfficient = null,
    int Batch = 64,
    int TimedSteps = 30,
    int WarmupSteps = 5,
    int SampleReps = 20,
    int Threads = 2,
    bool PeakOnly = false,
    bool Profile = false,
    double? TrainMinutes = null,
    ulong Seed = 1,
    string? Record = null,
    double Clip = 0);
