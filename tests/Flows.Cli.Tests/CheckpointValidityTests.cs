using Flows.Checkpoints;
using Flows.IO;

namespace Flows.Cli.Tests;

/// <summary>
/// A checkpoint holds finite values only: a non-finite tensor in a saved file is refused on load with its name,
/// nothing is overwritten, and a save of a non-finite state is refused with the old checkpoint left as it was.
/// </summary>
public class CheckpointValidityTests
{
    private static string Train(int steps)
    {
        string data = Cli.ImageFolder(48, 16, 8, 9);
        string run = Path.Combine(Cli.TempFolder(), "run");
        Cli.Ok("train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", run);
        return run;
    }

    private static void Poison(string file, string? tensor = null)
    {
        var tensors = SafeTensors.Read(file).ToDictionary(t => t.Key, t => t.Value.Clone());
        string name = tensor ?? tensors.Keys.Order(StringComparer.Ordinal).First();
        tensors[name].Span[0] = float.NaN;
        SafeTensors.Write(file, tensors.Select(t => (t.Key, t.Value)));
    }

    [Theory]
    [InlineData("optimizer.safetensors")]
    [InlineData("model.safetensors")]
    public void A_nan_in_a_checkpoint_file_is_refused_on_resume_with_its_name_and_nothing_is_overwritten(string file)
    {
        string run = Train(2);
        string path = Path.Combine(run, "checkpoint", file);
        Poison(path);
        var before = Directory.GetFiles(Path.Combine(run, "checkpoint")).ToDictionary(f => f, File.ReadAllBytes);

        var (code, _, error) = Cli.Run("train", "--resume", run, "--steps", "4");
        Assert.Equal(1, code);
        Assert.Contains(file, error, StringComparison.Ordinal);
        Assert.Contains("holds NaN at element 0", error, StringComparison.Ordinal);
        foreach (var (f, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(f)), $"{f} changed");
        }

        if (file == "model.safetensors")
        {
            Assert.Equal(1, Cli.Run("eval", run).Code);
            Assert.Equal(1, Cli.Run("sample", run, "-o", Path.Combine(run, "s.png")).Code);
        }
    }

    [Fact]
    public void A_non_finite_model_is_not_saved_over_a_good_checkpoint()
    {
        string run = Train(1);
        string folder = Path.Combine(run, "checkpoint");
        var (model, config) = Flows.Checkpoints.Checkpoint.Open(folder);
        byte[] before = File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));
        model.NamedParameters().First().Value.Value.Span[0] = float.PositiveInfinity;
        var e = Assert.Throws<InvalidOperationException>(() => Flows.Checkpoints.Checkpoint.Save(folder, config, model, null, null));
        Assert.Contains("Not saved", e.Message, StringComparison.Ordinal);
        Assert.Contains("holds Infinity at element 0", e.Message, StringComparison.Ordinal);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, "model.safetensors"))));
    }

    [Fact]
    public void Folders_left_by_interrupted_saves_are_removed_at_the_next_load_and_save()
    {
        string run = Train(1);
        string tmp = Path.Combine(run, "checkpoint.tmp-99999"), old = Path.Combine(run, "checkpoint.old-99998");
        foreach (string f in new[] { tmp, old })
        {
            Directory.CreateDirectory(f);
            File.WriteAllText(Path.Combine(f, "junk"), "partial");
        }

        Cli.Ok("eval", run);
        Assert.False(Directory.Exists(tmp));
        Assert.False(Directory.Exists(old));
        Assert.True(File.Exists(Path.Combine(run, "checkpoint", "model.safetensors")));
    }

    [Fact]
    public void A_save_killed_between_its_two_renames_is_recovered_from_the_previous_checkpoint()
    {
        string run = Train(2);
        string folder = Path.Combine(run, "checkpoint"), orphan = Path.Combine(run, "checkpoint.old-4242");
        Directory.Move(folder, orphan); // the state after "checkpoint → checkpoint.old-PID", before "tmp → checkpoint"
        Assert.Contains("test bpd", Cli.Ok("eval", run), StringComparison.Ordinal);
        Assert.Contains("Resuming", Cli.Ok("train", "--resume", run, "--steps", "3"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.False(Directory.Exists(orphan));
    }
}
