using System.IO.Compression;
using System.Text;
using Flows.Checkpoints;
using Flows.Data;

namespace Flows.Tests.IO;

/// <summary>
/// Seeded fuzzing of every file a user hands the tool besides weights (those are <see cref="SafeTensorsFuzzTests"/>):
/// IDX images and labels, raw and gzipped, config.json and state.json. Each damaged file must read or be refused with
/// one of the exceptions the command line turns into one <c>error: …</c> line, with a one-line message, within a
/// time limit, and without allocating more than the file could hold.
/// </summary>
public sealed class FileFuzzTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly string _folder = Directory.CreateTempSubdirectory("flows-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The exceptions the command line reports as one line (CommandRunner): anything else is a defect.</summary>
    private static bool Clean(Exception e)
        => e is InvalidDataException or DataUnavailableException or IOException or UnauthorizedAccessException;

    /// <summary>Runs <paramref name="read"/> and returns "ok" or the refusal; fails on any other exception, a multi-line message or a hang.</summary>
    private static string ReadOrRefuse(Action read, string what)
    {
        Exception? thrown = null;
        var task = Task.Run(() =>
        {
            try
            {
                read();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        });
        Assert.True(task.Wait(Limit), $"{what}: no answer within {Limit.TotalSeconds} s");
        if (thrown is null)
        {
            return "ok";
        }

        Assert.True(Clean(thrown), $"{what}: {thrown.GetType().Name}: {thrown.Message}");
        Assert.False(thrown.Message.Contains('\n', StringComparison.Ordinal), $"{what}: a message of several lines: {thrown.Message}");
        return "refused";
    }

    private static byte[] Idx(byte[] data, params int[] dims)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (int d in dims)
        {
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        bytes.AddRange(data);
        return [.. bytes];
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var stream = new MemoryStream();
        using (var gz = new GZipStream(stream, CompressionLevel.Fastest))
        {
            gz.Write(raw);
        }

        return stream.ToArray();
    }

    /// <summary>A valid labelled split of <paramref name="count"/> 6x6 images.</summary>
    private static (byte[] Images, byte[] Labels) ValidSplit(int count, Rng rng)
    {
        var pixels = new byte[count * 36];
        var labels = new byte[count];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)rng.NextInt(256);
        }

        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
        }

        return (Idx(pixels, count, 6, 6), Idx(labels, count));
    }

    /// <summary>One random damage of <paramref name="valid"/>: byte changes (often in the header), a truncation, an insertion or a tail.</summary>
    private static byte[] Damage(byte[] valid, Rng rng)
    {
        var bytes = new List<byte>(valid);
        switch (rng.NextInt(5))
        {
            case 0: // a few bytes anywhere
                for (int k = 1 + rng.NextInt(4); k > 0; k--)
                {
                    bytes[rng.NextInt(bytes.Count)] = (byte)rng.NextInt(256);
                }

                break;
            case 1: // the header: dimensions, rank, type
                for (int k = 1 + rng.NextInt(3); k > 0; k--)
                {
                    int at = rng.NextInt(Math.Min(16, bytes.Count));
                    bytes[at] = rng.NextInt(3) switch { 0 => 0xFF, 1 => 0x7F, _ => (byte)rng.NextInt(256) };
                }

                break;
            case 2:
                int keep = rng.NextInt(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            case 3:
                bytes.InsertRange(rng.NextInt(bytes.Count), Enumerable.Range(0, 1 + rng.NextInt(8)).Select(_ => (byte)rng.NextInt(256)));
                break;
            default:
                bytes.AddRange(Enumerable.Range(0, 1 + rng.NextInt(64)).Select(_ => (byte)rng.NextInt(256)));
                break;
        }

        return [.. bytes];
    }

    [Fact]
    public void Damaged_idx_folders_raw_and_gzipped_load_or_are_refused_in_one_line()
    {
        var rng = new Rng(2026);
        var (images, labels) = ValidSplit(20, rng);
        int refused = 0, loaded = 0;
        const int cases = 1500;
        for (int n = 0; n < cases; n++)
        {
            bool gzip = n % 2 == 1;
            bool damageLabels = n % 5 == 0;
            byte[] im = images, lb = labels;
            if (damageLabels)
            {
                lb = gzip && rng.NextInt(2) == 0 ? Damage(Gzip(labels), rng) : Damage(labels, rng);
            }
            else
            {
                im = gzip && rng.NextInt(2) == 0 ? Damage(Gzip(images), rng) : Damage(images, rng);
            }

            string folder = Path.Combine(_folder, $"case{n}");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte" + (gzip ? ".gz" : "")), gzip && im == images ? Gzip(im) : im);
            File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), lb);
            string result = ReadOrRefuse(
                () =>
                {
                    var set = ImageDatasets.LoadSplit(folder, "train");
                    Assert.True((long)set.Count * set.ImageSize <= 64 * (im.Length + 64), $"case {n}: {set.Count} images from {im.Length} bytes");
                },
                $"case {n} ({(gzip ? "gzip" : "raw")}, {(damageLabels ? "labels" : "images")})");
            (result == "ok" ? ref loaded : ref refused)++;
            Directory.Delete(folder, recursive: true);
        }

        output.WriteLine($"{cases} damaged IDX splits: {loaded} loaded (the damage left a valid file), {refused} refused in one line");
        Assert.True(refused > cases / 2, $"only {refused} of {cases} refused: the damage is too gentle to test anything");
    }

    [Fact]
    public void An_idx_header_promising_gigabytes_is_refused_without_allocating_them()
    {
        // 2^30 images of 1x1 in a file of 20 bytes, raw and gzipped.
        var raw = Idx([1, 2, 3, 4], 1 << 30, 1, 1);
        foreach (var (bytes, name) in new[] { (raw, "raw"), (Gzip(raw), "gzip") })
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(new MemoryStream(bytes), name));
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            output.WriteLine($"{name}: {e.Message} ({allocated / 1024} KiB allocated)");
            Assert.Contains("1073741824", e.Message, StringComparison.Ordinal);
            Assert.True(allocated < 64L << 20, $"{name}: {allocated} bytes allocated to refuse a 20-byte file");
        }
    }

    [Fact]
    public void Damaged_config_and_state_files_read_or_are_refused_in_one_line()
    {
        var rng = new Rng(7);
        string config = new RunConfig().ToJson();
        const string state = "{\"step\": 1200, \"noiseState\": [11, 22, 33, 44], \"learningRateFactor\": 0.5, \"rollbacks\": 1, \"skippedSteps\": 3, \"elapsedSeconds\": 61.5}";
        File.WriteAllText(Path.Combine(_folder, Checkpoint.StateFile), state);
        Assert.Equal(1200, Checkpoint.ReadState(_folder).Step); // the undamaged state reads
        string[] tokens = ["", "0", "-1", "1e308", "-1e308", "1e400", "NaN", "\"NaN\"", "null", "true", "\"\"", "[]", "{}", "\"x\"", "9999999999999999999999", "0.5", "\"affine\"", ",", "}", "{", "\""];
        int refused = 0, read = 0;
        const int cases = 3000;
        for (int n = 0; n < cases; n++)
        {
            bool isConfig = n % 2 == 0;
            string text = Mutate(isConfig ? config : state, tokens, rng);
            string result = isConfig
                ? ReadOrRefuse(() => RunConfig.FromJson(text, "config.json"), $"config case {n}: {text}")
                : ReadOrRefuse(
                    () =>
                    {
                        File.WriteAllText(Path.Combine(_folder, Checkpoint.StateFile), text);
                        Checkpoint.ReadState(_folder);
                    },
                    $"state case {n}: {text}");
            (result == "ok" ? ref read : ref refused)++;
        }

        output.WriteLine($"{cases} damaged config.json/state.json files: {read} read (the damage left a valid file), {refused} refused in one line");
        Assert.True(refused > cases / 2, $"only {refused} of {cases} refused");
    }

    /// <summary>Replaces a value, a key or a stretch of <paramref name="json"/> by a token, or cuts it short.</summary>
    private static string Mutate(string json, string[] tokens, Rng rng)
    {
        var sb = new StringBuilder(json);
        for (int k = 1 + rng.NextInt(2); k > 0 && sb.Length > 0; k--)
        {
            int at = rng.NextInt(sb.Length);
            switch (rng.NextInt(4))
            {
                case 0: // a value: from after a colon to the next comma or brace
                    int colon = sb.ToString().IndexOf(':', at);
                    if (colon < 0)
                    {
                        goto default;
                    }

                    int end = colon + 1;
                    while (end < sb.Length && sb[end] is not (',' or '}' or '\n'))
                    {
                        end++;
                    }

                    sb.Remove(colon + 1, end - colon - 1).Insert(colon + 1, " " + tokens[rng.NextInt(tokens.Length)]);
                    break;
                case 1:
                    sb.Remove(at, Math.Min(1 + rng.NextInt(12), sb.Length - at));
                    break;
                case 2:
                    sb.Length = at;
                    break;
                default:
                    sb.Insert(at, tokens[rng.NextInt(tokens.Length)]);
                    break;
            }
        }

        return sb.ToString();
    }
}
