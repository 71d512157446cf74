using System.Buffers.Binary;
using System.Text;
using Flows.IO;
using Flows.Kernels;

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
