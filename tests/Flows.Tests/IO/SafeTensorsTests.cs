using System.Buffers.Binary;
using System.Text;
using Flows.IO;

namespace Flows.Tests.IO;

public sealed class SafeTensorsTests
{
    private static readonly string ReferencePath = Path.Combine(AppContext.BaseDirectory, "TestData", "glow-mnist-reference.safetensors");

    [Fact]
    public void Write_then_read_round_trips_names_shapes_values_and_metadata()
    {
        var rng = new Rng(1);
        var a = Tensor.Zeros(3, 5);
        var b = Tensor.Zeros(7);
        rng.FillNormal(a.Span);
        rng.FillNormal(b.Span);
        var scalar = Tensor.Full(2.5f);
        var empty = Tensor.Zeros(0, 4);
        string path = Path.Combine(Path.GetTempPath(), $"flows-safetensors-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Write(path, [("z.b", b), ("a", a), ("s", scalar), ("e", empty)], new Dictionary<string, string> { ["format"] = "test" });
            var header = SafeTensors.ReadHeader(path);
            Assert.Equal(["z.b", "a", "s", "e"], header.Entries.Select(e => e.Name));
            Assert.Equal("test", header.Metadata["format"]);
            Assert.Equal(0, header.DataStart % 8);
            Assert.Equal(header.DataStart + (4 * (15 + 7 + 1)), new FileInfo(path).Length);
            var read = SafeTensors.Read(path);
            Assert.Equal(["z.b", "a", "s", "e"], read.Keys);
            Assert.Equal(a.ToArray(), read["a"].ToArray());
            Assert.Equal([3, 5], read["a"].Shape);
            Assert.Equal(b.ToArray(), read["z.b"].ToArray());
            Assert.Empty(read["s"].Shape);
            Assert.Equal(2.5f, read["s"].Span[0]);
            Assert.Equal([0, 4], read["e"].Shape);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reads_the_reference_header()
    {
        var header = SafeTensors.ReadHeader(ReferencePath);
        var byName = header.Entries.ToDictionary(e => e.Name);
        Assert.Equal(199, header.Entries.Count);
        Assert.Equal("2", header.Metadata["levels"]);
        Assert.Equal([4, 4], byName["level0.step0.invconv.weight"].Shape);
        Assert.Equal([128, 4, 3, 3], byName["level1.step7.coupling.conv1.weight"].Shape);
        Assert.Equal([8, 128, 3, 3], byName["level1.step7.coupling.zeroconv.weight"].Shape);
        Assert.Equal([4, 2, 3, 3], byName["level0.prior.weight"].Shape);
        Assert.Equal([8, 1, 28, 28], byName["x"].Shape);
        Assert.Equal([8, 2, 14, 14], byName["z.level0"].Shape);
        Assert.Equal([8, 8, 7, 7], byName["z.level1"].Shape);
        Assert.All(header.Entries, e => Assert.Equal("F32", e.DType));
        // The preprocessed images lie in [−0.5, 0.5).
        var x = SafeTensors.Read(ReferencePath)["x"];
        Assert.All(x.ToArray(), v => Assert.InRange(v, -0.5f, 0.5f));
    }

    [Fact]
    public void Reads_f64_f16_and_bf16_as_float32()
    {
        var data = new List<byte>();
        void AddF64(double v)
        {
            var s = new byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(s, v);
            data.AddRange(s);
        }

        void AddU16(ushort v)
        {
            data.Add((byte)(v & 0xFF));
            data.Add((byte)(v >> 8));
        }

        AddF64(1.5);
        AddF64(-2.25);
        AddU16(BitConverter.HalfToUInt16Bits((Half)0.375f)); // F16
        AddU16((ushort)(BitConverter.SingleToInt32Bits(-3.0f) >> 16)); // BF16
        string json = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[16,18]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[18,20]}}";
        using var stream = Build(json, [.. data]);
        var read = SafeTensors.Read(stream);
        Assert.Equal([1.5f, -2.25f], read["d"].ToArray());
        Assert.Equal(0.375f, read["h"].Span[0]);
        Assert.Equal(-3.0f, read["b"].Span[0]);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}")]
    [InlineData("{\"a\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}")]
    [InlineData("{\"a\":")]
    public void Rejects_malformed_files(string json)
    {
        using var stream = Build(json, new byte[8]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(stream));
    }

    [Fact]
    public void Rejects_a_header_longer_than_the_file()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        using var stream = new MemoryStream(bytes);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(stream));
    }

    [Fact]
    public void Rejects_repeated_names_on_write()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(stream, [("a", Tensor.Zeros(1)), ("a", Tensor.Zeros(2))]));
    }

    private static MemoryStream Build(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var stream = new MemoryStream();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        stream.Write(data);
        stream.Position = 0;
        return stream;
    }
}

/// <summary>
/// Damaged files, many of them: every single-byte change, truncation and header edit of a valid file either reads
/// back (a change in the data bytes only) or is refused with <see cref="InvalidDataException"/>; never another
/// exception, a hang or a huge allocation.
/// </summary>
public sealed class SafeTensorsFuzzTests
{
    private static byte[] Valid()
    {
        using var stream = new MemoryStream();
        var a = Tensor.Zeros(3, 4);
        var b = Tensor.Zeros(5);
        for (int i = 0; i < a.Length; i++)
        {
            a.Span[i] = i * 0.5f;
        }

        SafeTensors.Write(stream, [("level0.weight", a), ("bias", b)], new Dictionary<string, string> { ["format"] = "test" });
        return stream.ToArray();
    }

    private static void ReadOrRefuse(byte[] bytes, string what)
    {
        try
        {
            using var stream = new MemoryStream(bytes);
            var tensors = SafeTensors.Read(stream, what);
            Assert.All(tensors.Values, t => Assert.True(t.Length <= bytes.Length, $"{what}: a tensor of {t.Length} values from {bytes.Length} bytes"));
        }
        catch (InvalidDataException)
        {
            // refused, as it should be
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
        }
    }

    [Fact]
    public void Every_single_byte_change_reads_or_is_refused_cleanly()
    {
        var valid = Valid();
        byte[] values = [0, 1, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)',', (byte)':', (byte)'9', (byte)'-', 0x7F, 0xFF];
        for (int i = 0; i < valid.Length; i++)
        {
            foreach (byte v in values)
            {
                var bytes = (byte[])valid.Clone();
                bytes[i] = v;
                ReadOrRefuse(bytes, $"byte {i} = 0x{v:X2}");
            }
        }
    }

    [Fact]
    public void Every_truncation_and_random_damage_reads_or_is_refused_cleanly()
    {
        var valid = Valid();
        for (int n = 0; n < valid.Length; n++)
        {
            ReadOrRefuse(valid[..n], $"first {n} bytes");
        }

        var rng = new Flows.Rng(7);
        for (int trial = 0; trial < 2000; trial++)
        {
            var bytes = (byte[])valid.Clone();
            int edits = 1 + rng.NextInt(6);
            for (int e = 0; e < edits; e++)
            {
                bytes[rng.NextInt(Math.Min(bytes.Length, 8 + 200))] = (byte)rng.NextInt(256); // mostly the length and header
            }

            ReadOrRefuse(bytes, $"trial {trial}");
        }
    }

    [Theory]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1000000000,1000000000],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}")]
    [InlineData("{\"x\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"x\":null}")]
    public void Hostile_headers_are_refused(string header)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 4];
        BitConverter.GetBytes((ulong)json.Length).CopyTo(bytes, 0);
        json.CopyTo(bytes, 8);
        using var stream = new MemoryStream(bytes);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(stream, "hostile"));
    }
}
