using Flows.Checkpoints;
using Flows.Data;
using Flows.Models;

namespace Flows.Cli;

/// <summary>A trained model opened from a checkpoint (or run folder), with its configuration and, on demand, its data.</summary>
internal sealed class LoadedCheckpoint
{
    private readonly string? _dataDir;
    private readonly TextWriter _log;
    private Dataset? _dataset;

    private LoadedCheckpoint(string folder, FlowModel model, RunConfig config, string? dataDir, TextWriter log)
    {
        Folder = folder;
        Model = model;
        Config = config;
        _dataDir = dataDir;
        _log = log;
    }

    public string Folder { get; }

    public FlowModel Model { get; }

    public RunConfig Config { get; }

    public bool IsImages => Config.Data.Preprocessing != "none";

    public Dequantization Dequantization => new(Config.Data.Bits);

    /// <summary>The data the model was trained on (opened, and fetched if needed, on first use).</summary>
    public Dataset Dataset => _dataset ??= Config.Data.Open(_dataDir, _log);

    public static LoadedCheckpoint Open(string path, string? dataDir, TextWriter log, CancellationToken cancellation = default)
    {
        string folder = Checkpoint.Resolve(path);
        var (model, config) = Checkpoint.Open(folder, cancellation);
        model.Training = false;
        return new LoadedCheckpoint(folder, model, config, dataDir, log);
    }

    /// <summary>Checks that <paramref name="index"/> is a test example.</summary>
    public int TestIndex(int index, string option)
    {
        int count = Dataset.Test.Count;
        if (index < 0 || index >= count)
        {
            throw new UsageException($"{option} {index} is outside the test set (0 to {count - 1}).");
        }

        return index;
    }

    /// <summary>Fails clearly when a verb needs images but the checkpoint models points.</summary>
    public void RequireImages(string verb)
    {
        if (!IsImages)
        {
            throw new UsageException($"'{verb}' needs an image model; {Folder} models {Config.Data.Name} (2-D points).");
        }
    }
}
