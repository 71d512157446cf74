using System.Text.RegularExpressions;
using Flows.IO;

namespace Flows.Cli.Tests;

/// <summary>Checkpoints written before ActNorm and the LU layer became one type each for images and vectors still load and give the same numbers.</summary>
public sealed class LegacyCheckpointTests
{
    /// <summary>A small vector Glow on the moons, trained 30 steps; its folder and its eval output.</summary>
    private static (string Run, string Eval) TrainVectorGlow()
    {
        string run = Path.Combine(Cli.TempFolder(), "glow");
        Cli.Ok("train", "--model", "glow", "--data", "moons", "-K", "2", "--hidden", "16", "--steps", "30", "--out", run, "--threads", "1");
        return (run, Cli.Ok("eval", run, "--threads", "1"));
    }

    private static double Nll(string eval) => double.Parse(Regex.Match(eval, @"test nll: (?<v>[-0-9.]+)").Groups["v"].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_vector_glow_saved_with_the_old_actnorm_names_loads_and_evaluates_the_same()
    {
        var (run, before) = TrainVectorGlow();

        // Rewrite the weights as the pre-7-Dec vector ActNorm stored them: z = x·exp(logScale) + bias.
        string file = Path.Combine(run, "checkpoint", "model.safetensors");
        var tensors = SafeTensors.Read(file);
        var old = new List<(string Name, Tensor Value)>();
        int converted = 0;
        foreach (var (name, t) in tensors)
        {
            if (name.EndsWith(".loc", StringComparison.Ordinal) && tensors.TryGetValue(name[..^4] + ".logs", out var logs))
            {
                var bias = Tensor.Zeros(t.Shape);
                for (int i = 0; i < bias.Length; i++)
                {
                    bias.Span[i] = (float)(t.Span[i] * Math.Exp(logs.Span[i]));
                }

                old.Add((name[..^4] + ".logScale", logs));
                old.Add((name[..^4] + ".bias", bias));
                converted++;
            }
            else if (!(name.EndsWith(".logs", StringComparison.Ordinal) && tensors.ContainsKey(name[..^5] + ".loc")))
            {
                old.Add((name, t));
            }
        }

        Assert.Equal(2, converted);
        SafeTensors.Write(file, old);
        Assert.DoesNotContain(".loc", string.Join(' ', SafeTensors.Read(file).Keys), StringComparison.Ordinal);

        Assert.Equal(Nll(before), Nll(Cli.Ok("eval", run, "--threads", "1")), 3);
    }

    [Fact]
    public void A_vector_glow_saved_with_the_old_lu_layout_loads_and_evaluates_the_same()
    {
        var (run, before) = TrainVectorGlow();

        // Rewrite the LU layers as the pre-8-Dec LuLinear stored them: full D×D "lower" and "upper" whose entries
        // outside the strict triangle were masked away (filled here with values the old map ignored), and "logDiag".
        string file = Path.Combine(run, "checkpoint", "model.safetensors");
        var tensors = SafeTensors.Read(file);
        var old = new List<(string Name, Tensor Value)>();
        int converted = 0;
        foreach (var (name, t) in tensors)
        {
            string prefix = name[..name.LastIndexOf('.')];
            if (!tensors.ContainsKey(prefix + ".permutation"))
            {
                old.Add((name, t));
                continue;
            }

            int d = tensors[prefix + ".sign"].Length;
            if (name.EndsWith(".logs", StringComparison.Ordinal))
            {
                old.Add((prefix + ".logDiag", t));
                converted++;
            }
            else if (name.EndsWith(".lower", StringComparison.Ordinal) || name.EndsWith(".upper", StringComparison.Ordinal))
            {
                bool lower = name.EndsWith(".lower", StringComparison.Ordinal);
                var full = Tensor.Zeros(d, d);
                int k = 0;
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        full.Span[(i * d) + j] = (lower ? j < i : j > i) ? t.Span[k++] : 7f;
                    }
                }

                Assert.Equal(t.Length, k);
                old.Add((name, full));
            }
            else
            {
                old.Add((name, t));
            }
        }

        Assert.Equal(2, converted);
        SafeTensors.Write(file, old);
        Assert.Contains(".logDiag", string.Join(' ', SafeTensors.Read(file).Keys), StringComparison.Ordinal);

        Assert.Equal(Nll(before), Nll(Cli.Ok("eval", run, "--threads", "1")), 3);
    }
}

/// <summary>A checkpoint whose values are finite but whose invertible layers are not is refused at load, naming the layer.</summary>
public sealed class NonInvertibleCheckpointTests
{
    [Fact]
    public void Eval_refuses_a_checkpoint_with_a_singular_lu_convolution_naming_it()
    {
        string data = Cli.ImageFolder(64, 16, 8, 3);
        string run = Path.Combine(Cli.TempFolder(), "glow");
        Cli.Ok("train", "--model", "glow", "--data", data, "-L", "2", "-K", "1", "--hidden", "8", "--batch", "16", "--steps", "4", "--test-size", "16", "--out", run, "--threads", "1");
        string file = Path.Combine(run, "checkpoint", "model.safetensors");
        var tensors = SafeTensors.Read(file);
        tensors["level0.step0.invconv.logs"].Span[1] = -100f;
        SafeTensors.Write(file, tensors.Select(t => (t.Key, t.Value)));

        var (code, _, error) = Cli.Run("eval", run, "--threads", "1");
        Assert.Equal(1, code);
        Assert.Contains("the model's 'level0.step0.invconv' is not invertible: its diagonal's log-magnitude 1 is -100", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}

/// <summary>Extending a finished run warms its learning rate back up; the resume says so.</summary>
public sealed class ResumeScheduleNoteTests
{
    [Fact]
    public void Extending_a_finished_cosine_run_notes_the_rate_jump_and_a_small_extension_does_not()
    {
        string run = Path.Combine(Cli.TempFolder(), "moons");
        Cli.Ok("train", "--data", "moons", "--steps", "100", "--out", run, "--threads", "1");
        string longer = Cli.Ok("train", "--resume", run, "--steps", "400", "--threads", "1");
        Assert.Contains("Note: the cosine decay now runs to step 400, so the learning rate at step 100 goes from 0 back up to", longer, StringComparison.Ordinal);

        string run2 = Path.Combine(Cli.TempFolder(), "moons");
        Cli.Ok("train", "--data", "moons", "--steps", "300", "--out", run2, "--threads", "1");
        string same = Cli.Ok("train", "--resume", run2, "--steps", "310", "--threads", "1");
        Assert.DoesNotContain("Note: the cosine decay", same, StringComparison.Ordinal);
    }
}
