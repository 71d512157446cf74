using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Flows.Checkpoints;
using Flows.Distributed;
using Flows.Models;
using Flows.Optim;

namespace Flows.Training;

/// <summary>
/// Checks that the ranks of a data-parallel run agree: at the start, that they run the same build of flows on
/// the same configuration and data; during the run, that they hold bit-identical parameters, buffers and
/// optimizer state (a checksum compared across ranks). A disagreement throws <see cref="RanksDisagreeException"/>
/// on every rank at once.
/// </summary>
public static class RankAgreement
{
    /// <summary>Steps between two checks of identical state (and one at every checkpoint).</summary>
    public const int CheckEvery = 100;

    /// <summary>This build of the library: its version and the identity of its compiled module.</summary>
    public static string Build
    {
        get
        {
            var assembly = typeof(RankAgreement).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
            return $"flows {version} (build {assembly.ManifestModule.ModuleVersionId.ToString("N")[..12]})";
        }
    }

    /// <summary>Throws on every rank when a rank's build or <paramref name="setup"/> (configuration, data) differs from rank 0's.</summary>
    public static void CheckSameSetup(Communicator communicator, string setup)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(setup);
        int[] builds = communicator.RanksDifferingFromRoot(Encoding.UTF8.GetBytes(Build));
        if (builds.Length > 0)
        {
            throw new RanksDisagreeException(
                $"{Ranks(builds)} {(builds.Length == 1 ? "runs" : "run")} a different build of flows than rank 0{(communicator.IsRoot ? $", which runs {Build}" : string.Empty)}; install the same version on every machine of the job.");
        }

        int[] setups = communicator.RanksDifferingFromRoot(Encoding.UTF8.GetBytes(setup));
        if (setups.Length > 0)
        {
            throw new RanksDisagreeException(
                $"{Ranks(setups)} {(setups.Length == 1 ? "has" : "have")} a different configuration or data than rank 0: give every rank the same arguments and the same data (a shared filesystem for the run folder and the data cache, or identical copies).");
        }
    }

    /// <summary>
    /// Throws on every rank when a rank's parameters, buffers or optimizer state differ from rank 0's by one bit;
    /// returns the checksum all ranks share (null in one process, where there is nothing to compare).
    /// </summary>
    public static ulong? CheckIdenticalState(Communicator communicator, FlowModel model, Optimizer optimizer, long step)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.Size == 1)
        {
            return null;
        }

        ulong checksum = Checksum(model, optimizer);
        int[] differ = communicator.RanksDifferingFromRoot(BitConverter.GetBytes(checksum));
        if (differ.Length > 0)
        {
            throw new RanksDisagreeException(
                $"After step {step}, {Ranks(differ)} no longer {(differ.Length == 1 ? "holds" : "hold")} the same parameters as rank 0 (checksums differ); the run stops rather than train diverging copies. The last checkpoint is intact.");
        }

        return checksum;
    }

    /// <summary>A 64-bit hash of the bits of every model tensor and optimizer state tensor, in order.</summary>
    public static ulong Checksum(FlowModel model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ulong h = HashSeed;
        var tensors = Checkpoint.ModelTensors(model);
        if (optimizer is not null)
        {
            tensors = tensors.Concat(optimizer.NamedState());
        }

        foreach (var (_, t) in tensors)
        {
            h = Hash(t.Span, h);
            h ^= h >> 29;
        }

        return h;
    }

    /// <summary>The starting value of <see cref="Hash"/> (FNV-1a's offset basis).</summary>
    internal const ulong HashSeed = 0xCBF29CE484222325UL;

    /// <summary>Folds the bits of <paramref name="values"/> into <paramref name="h"/> (FNV-1a over 32-bit words).</summary>
    internal static ulong Hash(ReadOnlySpan<float> values, ulong h = HashSeed)
    {
        foreach (uint bits in MemoryMarshal.Cast<float, uint>(values))
        {
            h = (h ^ bits) * 0x100000001B3UL;
        }

        return h;
    }

    private static string Ranks(int[] ranks) => ranks.Length == 1 ? $"rank {ranks[0]}" : $"ranks {string.Join(", ", ranks)}";
}
