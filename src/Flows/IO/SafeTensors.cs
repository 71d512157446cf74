using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Flows.IO;

/// <summary>
/// Reader and writer of the safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end)}} with optional "__metadata__"
/// (string → string), then the raw little-endian data. Writes F32 with the header space-padded so the data
/// start 8-byte aligned; reads F32, and F64, F16 and BF16 converted to float32.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> (unique names) as F32, in the given order, to a file (atomically replaced).</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        AtomicFile.Write(path, s => Write(s, list, metadata));
    }

    /// <summary>Writes <paramref name="tensors"/> (unique names) as F32, in the given order, to a stream.</summary>
    public static void Write(Stream stream, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data are little-endian; big-endian hosts are not supported.");
        }

        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is not null && metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, value) in list)
            {
                ArgumentNullException.ThrowIfNull(value, name);
                if (string.IsNullOrEmpty(name) || name == MetadataKey || !names.Add(name))
                {
                    throw new ArgumentException($"Tensor name '{name}' is empty, reserved or repeated.", nameof(tensors));
                }

                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in value.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * value.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header.GetBuffer().AsSpan(0, (int)header.Length));
        foreach (var (_, value) in list)
        {
            stream.Write(MemoryMarshal.AsBytes(value.Span));
        }
    }

    /// <summary>The header of a safetensors file (names, dtypes, shapes, offsets, metadata), validated against the file size.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Every tensor of a safetensors file as float32, by name, in file order.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Every tensor of a safetensors stream (seekable, positioned at the start) as float32, by name.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(Stream stream, string source = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        long start = stream.Position;
        var header = ReadHeader(stream, source);
        var result = new OrderedDictionaryOfTensors();
        foreach (var e in header.Entries)
        {
            var bytes = new byte[e.End - e.Begin];
            stream.Position = start + header.DataStart + e.Begin;
            stream.ReadExactly(bytes);
            var t = Tensor.Uninitialized(e.Shape);
            Decode(e.DType, bytes, t.Span);
            result.Add(e.Name, t);
        }

        return result;
    }

    private static SafeTensorsHeader ReadHeader(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long start = stream.Position;
        long available = stream.Length - start;
        Span<byte> prefix = stackalloc byte[8];
        if (available < 8)
        {
            throw new InvalidDataException($"{source} is too short ({available} bytes) to be a safetensors file.");
        }

        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(available - 8) || headerLength > int.MaxValue)
        {
            throw new InvalidDataException($"{source}: header length {headerLength} exceeds the {available} bytes available.");
        }

        var text = new byte[headerLength];
        stream.ReadExactly(text);
        long dataStart = 8 + (long)headerLength;
        long dataLength = available - dataStart;
        var entries = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(text));
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey)
                {
                    foreach (var m in entry.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.GetString() ?? string.Empty;
                    }

                    continue;
                }

                string dtype = entry.Value.GetProperty("dtype").GetString() ?? string.Empty;
                int size = ElementSize(dtype) ?? throw new InvalidDataException($"{source}: tensor '{entry.Name}' has dtype {dtype}; supported are F32, F64, F16 and BF16.");
                int[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
                var offsets = entry.Value.GetProperty("data_offsets");
                if (offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                {
                    throw new InvalidDataException($"{source}: tensor '{entry.Name}' has data_offsets {offsets.GetRawText()}; expected [begin, end].");
                }

                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                long count = Tensor.CheckedLength(shape);
                if (begin < 0 || end - begin != size * count || end > dataLength)
                {
                    throw new InvalidDataException($"{source}: tensor '{entry.Name}' ({dtype} {Tensor.FormatShape(shape)}) has data offsets [{begin}, {end}) that do not fit a data section of {dataLength} bytes.");
                }

                entries.Add(new SafeTensorInfo(entry.Name, dtype, shape, begin, end));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{source}: the safetensors header is malformed ({e.Message}).", e);
        }

        CheckNoOverlap(entries, source);
        return new SafeTensorsHeader(entries, metadata, dataStart);
    }

    private static void CheckNoOverlap(List<SafeTensorInfo> entries, string source)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
            {
                throw new InvalidDataException($"{source}: tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap.");
            }
        }
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F64" => 8,
        "F16" or "BF16" => 2,
        _ => null,
    };

    private static void Decode(string dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                }

                break;
            case "F64":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                }

                break;
            case "F16":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                }

                break;
            default:
                // bfloat16 is the top half of a float32.
                for (int i = 0; i < destination.Length; i++)
                {
                    int bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16;
                    destination[i] = BitConverter.Int32BitsToSingle(bits);
                }

                break;
        }
    }

    /// <summary>A dictionary that enumerates in insertion (file) order.</summary>
    private sealed class OrderedDictionaryOfTensors : System.Collections.ObjectModel.KeyedCollection<string, KeyValuePair<string, Tensor>>, IReadOnlyDictionary<string, Tensor>
    {
        public OrderedDictionaryOfTensors()
            : base(StringComparer.Ordinal)
        {
        }

        public IEnumerable<string> Keys => this.Select(p => p.Key);

        public IEnumerable<Tensor> Values => this.Select(p => p.Value);

        public void Add(string name, Tensor value) => Add(new KeyValuePair<string, Tensor>(name, value));

        public bool ContainsKey(string key) => Contains(key);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value)
        {
            if (TryGetValue(key, out KeyValuePair<string, Tensor> pair))
            {
                value = pair.Value;
                return true;
            }

            value = null;
            return false;
        }

        Tensor IReadOnlyDictionary<string, Tensor>.this[string key] => this[key].Value;

        protected override string GetKeyForItem(KeyValuePair<string, Tensor> item) => item.Key;
    }
}
