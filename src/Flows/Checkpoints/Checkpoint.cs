using System.Text.Json;
using Flows.Bijectors;
using Flows.IO;
using Flows.Models;
using Flows.Optim;

namespace Flows.Checkpoints;

/// <summary>
/// A checkpoint folder: <c>config.json</c> (architecture, data and preprocessing, training settings),
/// <c>model.safetensors</c> (every parameter and buffer under its dotted name), <c>optimizer.safetensors</c>
/// (the optimizer's named state) and <c>state.json</c> (step, noise generator, time). A save writes a
/// new folder beside the old one and swaps the two with renames, so a reader sees either the old or the
/// new checkpoint, never a mixture.
/// </summary>
public static class Checkpoint
{
    /// <summary>The run configuration's file name (<see cref="RunConfig"/> as JSON).</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The file name of the model's parameters and buffers.</summary>
    public const string ModelFile = "model.safetensors";
    /// <summary>The file name of the optimizer's named state.</summary>
    public const string OptimizerFile = "optimizer.safetensors";
    /// <summary>The file name of the training state (step, noise generator, time).</summary>
    public const string StateFile = "state.json";

    /// <summary>The name of the checkpoint folder inside a run folder.</summary>
    public const string FolderName = "checkpoint";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes a checkpoint into <paramref name="folder"/>, replacing what was there.</summary>
    public static void Save(string folder, RunConfig config, FlowModel model, Optimizer? optimizer, TrainingState? state)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        if (NonFiniteState(model, optimizer) is { } bad)
        {
            throw new InvalidOperationException($"Not saved: {bad}; the checkpoint in {folder} is unchanged.");
        }

        Write(folder, config, model, optimizer, state);
    }

    /// <summary>
    /// Why a save would write a state that cannot be used, or null: "the model's 'name' holds NaN at element 17" (or
    /// the optimizer's) for the first non-finite value, or "the model's 'level0.step3.invconv' is not invertible: …"
    /// for a bijector whose finite parameters cannot be inverted in float (<see cref="IInvertibilityCheck"/>).
    /// </summary>
    public static string? NonFiniteState(FlowModel model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (FirstNonFinite(ModelTensors(model)) is { } m)
        {
            return $"the model's {m}";
        }

        if (optimizer is not null && FirstNonFinite(optimizer.NamedState()) is { } o)
        {
            return $"the optimizer's {o}";
        }

        foreach (var (name, module) in model.NamedModules())
        {
            if (module is IInvertibilityCheck check && check.InvertibilityProblem() is { } problem)
            {
                return $"the model's '{name}' is not invertible: {problem}";
            }
        }

        return null;
    }

    /// <summary><see cref="Save"/> for a caller that has already checked <see cref="NonFiniteState"/>.</summary>
    internal static void Write(string folder, RunConfig config, FlowModel model, Optimizer? optimizer, TrainingState? state)
    {
        string full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(folder));
        string temp = $"{full}.tmp-{Environment.ProcessId}";
        string old = $"{full}.old-{Environment.ProcessId}";
        RemoveLeftovers(full);
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }

        try
        {
            Directory.CreateDirectory(temp);
            AtomicFile.WriteAllText(Path.Combine(temp, ConfigFile), config.ToJson());
            AtomicFile.Write(Path.Combine(temp, ModelFile), s => SafeTensors.Write(s, ModelTensors(model), Metadata("model")));
            if (optimizer is not null)
            {
                AtomicFile.Write(Path.Combine(temp, OptimizerFile), s => SafeTensors.Write(s, optimizer.NamedState(), Metadata("optimizer")));
            }

            if (state is not null)
            {
                AtomicFile.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, Json));
            }
        }
        catch (Exception e) when (AtomicFile.IsRefusedWrite(e))
        {
            // A failed save (a full disk, say) leaves no partial folder behind; the checkpoint itself was not touched.
            TryDelete(temp);
            string kept = Directory.Exists(full) ? $"the checkpoint in {full} is unchanged" : $"nothing was written to {full}";
            throw new IOException($"Could not save a checkpoint ({ErrorText.Of(e)}); {kept}.", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (Directory.Exists(full))
        {
            Directory.Move(full, old);
        }

        Directory.Move(temp, full);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>
    /// Removes what interrupted saves of <paramref name="full"/> left: every <c>.tmp-*</c> folder (never a
    /// checkpoint yet), and the <c>.old-*</c> folders once <paramref name="full"/> is a complete checkpoint again
    /// (until then <see cref="Resolve"/> recovers from them).
    /// </summary>
    private static void RemoveLeftovers(string full)
    {
        string? parent = Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent))
        {
            return;
        }

        string name = Path.GetFileName(full);
        foreach (string leftover in Directory.GetDirectories(parent, name + ".tmp-*"))
        {
            TryDelete(leftover);
        }

        if (IsCheckpoint(full))
        {
            foreach (string leftover in Directory.GetDirectories(parent, name + ".old-*"))
            {
                TryDelete(leftover);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Clean-up is best effort: a leftover that cannot be removed now is removed at a later save.")]
    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception)
        {
        }
    }

    /// <summary>
    /// The checkpoint folder meant by <paramref name="path"/>: the folder itself if it holds a config,
    /// else its <c>checkpoint</c> subfolder (a run folder); a save interrupted between its two renames is
    /// recovered from the previous checkpoint.
    /// </summary>
    /// <exception cref="FileNotFoundException">No checkpoint is there.</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(path));
        foreach (string candidate in new[] { full, Path.Combine(full, FolderName) })
        {
            if (IsCheckpoint(candidate))
            {
                RemoveLeftovers(candidate);
                return candidate;
            }

            string? parent = Path.GetDirectoryName(candidate);
            if (parent is not null && Directory.Exists(parent))
            {
                foreach (string orphan in Directory.GetDirectories(parent, Path.GetFileName(candidate) + ".old-*"))
                {
                    if (IsCheckpoint(orphan))
                    {
                        return orphan;
                    }
                }
            }
        }

        throw new FileNotFoundException($"No checkpoint at '{path}': expected {ConfigFile} and {ModelFile} there or in its '{FolderName}' folder.");
    }

    private static bool IsCheckpoint(string folder)
        => File.Exists(Path.Combine(folder, ConfigFile)) && File.Exists(Path.Combine(folder, ModelFile));

    /// <summary>The run configuration in <paramref name="folder"/>'s <see cref="ConfigFile"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <see cref="ConfigFile"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a run configuration of a known format.</exception>
    public static RunConfig ReadConfig(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        return RunConfig.FromJson(File.ReadAllText(path), path);
    }

    /// <summary>The training state in <paramref name="folder"/>'s <see cref="StateFile"/>, checked for consistency.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <see cref="StateFile"/>: the checkpoint cannot be resumed.</exception>
    /// <exception cref="InvalidDataException">The file is not valid training state.</exception>
    public static TrainingState ReadState(string folder)
    {
        string path = Path.Combine(folder, StateFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: this checkpoint cannot be resumed (it has no training state).");
        }

        TrainingState state;
        string text = File.ReadAllText(path);
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(text, Json) ?? throw new InvalidDataException($"{path} is empty.");
            using var json = JsonDocument.Parse(text);
            foreach (string required in new[] { "step", "noiseState" })
            {
                if (!json.RootElement.TryGetProperty(required, out _))
                {
                    throw new InvalidDataException($"{path} has no '{required}'; it is not the state of a run.");
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid training state: {ErrorText.Of(e)}", e);
        }

        return state.Problem() is { } problem ? throw new InvalidDataException($"{path}: {problem}.") : state;
    }

    /// <summary>Builds the model of a checkpoint and loads its parameters and buffers.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired while the model was built or loaded.</exception>
    public static (FlowModel Model, RunConfig Config) Open(string path, CancellationToken cancellation = default)
    {
        string folder = Resolve(path);
        var config = ReadConfig(folder);
        var model = ModelFactory.Create(config.Model, cancellation);
        LoadModel(folder, model, cancellation);
        return (model, config);
    }

    /// <summary>Copies every parameter and buffer from <c>model.safetensors</c>; names and shapes must match exactly.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired (checked after the read and between tensors).</exception>
    public static void LoadModel(string folder, FlowModel model, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        string path = Path.Combine(folder, ModelFile);
        var tensors = new Dictionary<string, Tensor>(ReadTensors(path), StringComparer.Ordinal);
        cancellation.ThrowIfCancellationRequested();
        if (FirstNonFinite(tensors.Select(t => (t.Key, t.Value))) is { } bad)
        {
            throw new InvalidDataException($"{path}: {bad}; a checkpoint holds finite values only, so this file is damaged.");
        }

        var wanted = ModelTensors(model).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        UpgradeVectorActNorm(tensors, wanted);
        UpgradeVectorLu(tensors, wanted);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in ModelTensors(model))
        {
            cancellation.ThrowIfCancellationRequested();
            expected.Add(name);
            if (!tensors.TryGetValue(name, out var source))
            {
                throw new InvalidDataException($"{path} has no tensor '{name}' (the configuration's model needs it).");
            }

            if (!source.SameShape(value))
            {
                throw new InvalidDataException($"{path}: '{name}' has shape {Tensor.FormatShape(source.Shape)}, the model expects {Tensor.FormatShape(value.Shape)}.");
            }

            source.Span.CopyTo(value.Span);
        }

        foreach (string name in tensors.Keys)
        {
            if (!expected.Contains(name))
            {
                throw new InvalidDataException($"{path} holds '{name}', which the configuration's model does not have.");
            }
        }

        if (NonFiniteState(model, null) is { } problem)
        {
            throw new InvalidDataException($"{path}: {problem}; a checkpoint holds invertible models only, so this file is damaged.");
        }
    }

    /// <summary>
    /// Checkpoints written before 7 Dec hold the vector ActNorm as z = x·exp(logScale) + bias ("logScale", "bias");
    /// ActNorm is now one type for images and vectors, z = (x + loc)·exp(logs): the same map with logs = logScale
    /// and loc = bias·exp(−logScale). Their optimizer state is not converted (resume such a run from scratch).
    /// </summary>
    private static void UpgradeVectorActNorm(Dictionary<string, Tensor> tensors, HashSet<string> wanted)
    {
        foreach (string loc in wanted.Where(n => n.EndsWith(".loc", StringComparison.Ordinal) && !tensors.ContainsKey(n)).ToArray())
        {
            string prefix = loc[..^".loc".Length];
            if (tensors.TryGetValue(prefix + ".logScale", out var logScale) && tensors.TryGetValue(prefix + ".bias", out var bias)
                && wanted.Contains(prefix + ".logs") && !wanted.Contains(prefix + ".logScale") && logScale.SameShape(bias))
            {
                var l = Tensor.Zeros(bias.Shape);
                for (int i = 0; i < l.Length; i++)
                {
                    l.Span[i] = (float)(bias.Span[i] * Math.Exp(-logScale.Span[i]));
                }

                tensors.Remove(prefix + ".logScale");
                tensors.Remove(prefix + ".bias");
                tensors[loc] = l;
                tensors[prefix + ".logs"] = logScale;
            }
        }
    }

    /// <summary>
    /// Checkpoints written before 8 Dec hold the vector LU layer (then LuLinear) as full masked D×D matrices
    /// "lower" and "upper" and the diagonal's log-magnitudes as "logDiag"; the LU layer is now one type for images
    /// and vectors, with the free entries packed row by row and the log-magnitudes named "logs". Same W, same map;
    /// the permutation and sign buffers are unchanged. Their optimizer state is not converted.
    /// </summary>
    private static void UpgradeVectorLu(Dictionary<string, Tensor> tensors, HashSet<string> wanted)
    {
        foreach (string logs in wanted.Where(n => n.EndsWith(".logs", StringComparison.Ordinal) && !tensors.ContainsKey(n)).ToArray())
        {
            string prefix = logs[..^".logs".Length];
            if (!tensors.TryGetValue(prefix + ".logDiag", out var logDiag) || logDiag.Rank != 1
                || !tensors.TryGetValue(prefix + ".lower", out var lower) || !tensors.TryGetValue(prefix + ".upper", out var upper))
            {
                continue;
            }

            int d = logDiag.Length;
            if (!Tensor.SameShape(lower.Shape, [d, d]) || !Tensor.SameShape(upper.Shape, [d, d]))
            {
                continue;
            }

            var packedLower = Tensor.Zeros(d * (d - 1) / 2);
            var packedUpper = Tensor.Zeros(d * (d - 1) / 2);
            int li = 0, ui = 0;
            for (int i = 0; i < d; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    if (j < i)
                    {
                        packedLower.Span[li++] = lower.Span[(i * d) + j];
                    }
                    else if (j > i)
                    {
                        packedUpper.Span[ui++] = upper.Span[(i * d) + j];
                    }
                }
            }

            tensors.Remove(prefix + ".logDiag");
            tensors[logs] = logDiag;
            tensors[prefix + ".lower"] = packedLower;
            tensors[prefix + ".upper"] = packedUpper;
        }
    }

    /// <summary>Restores <paramref name="optimizer"/>'s state from <paramref name="folder"/>'s <see cref="OptimizerFile"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <see cref="OptimizerFile"/>: the checkpoint cannot be resumed.</exception>
    /// <exception cref="InvalidDataException">The file holds a non-finite value, or its state does not match the optimizer's names and shapes.</exception>
    public static void LoadOptimizer(string folder, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        string path = Path.Combine(folder, OptimizerFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: this checkpoint cannot be resumed (it has no optimizer state).");
        }

        var state = ReadTensors(path);
        if (FirstNonFinite(state.Select(t => (t.Key, t.Value))) is { } bad)
        {
            throw new InvalidDataException($"{path}: {bad}; a checkpoint holds finite values only, so this file is damaged.");
        }

        try
        {
            optimizer.LoadState(state);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>"'name' holds NaN at element 17" for the first tensor with a non-finite value, or null when all are finite.</summary>
    public static string? FirstNonFinite(IEnumerable<(string Name, Tensor Value)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, value) in tensors)
        {
            var span = value.Span;
            for (int i = 0; i < span.Length; i++)
            {
                if (!float.IsFinite(span[i]))
                {
                    return $"'{name}' holds {span[i]} at element {i}";
                }
            }
        }

        return null;
    }

    /// <summary>Parameters, then buffers, with their dotted names: what <c>model.safetensors</c> holds.</summary>
    public static IEnumerable<(string Name, Tensor Value)> ModelTensors(FlowModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (name, p) in model.NamedParameters())
        {
            yield return (name, p.Value);
        }

        foreach (var b in model.NamedBuffers())
        {
            yield return b;
        }
    }

    private static IReadOnlyDictionary<string, Tensor> ReadTensors(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing.", path);
        }

        return SafeTensors.Read(path);
    }

    private static Dictionary<string, string> Metadata(string content) => new() { ["format"] = "flows-checkpoint/1", ["content"] = content };
}
