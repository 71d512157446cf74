namespace Flows.IO;

/// <summary>The parsed header of a safetensors file: its entries in file order and the "__metadata__" strings.</summary>
public sealed class SafeTensorsHeader
{
    internal SafeTensorsHeader(IReadOnlyList<SafeTensorInfo> entries, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Entries = entries;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The tensors of the file, in file order: name, dtype, shape and byte range.</summary>
    public IReadOnlyList<SafeTensorInfo> Entries { get; }

    /// <summary>The "__metadata__" strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Byte position of the data section in the file (8 + header length).</summary>
    public long DataStart { get; }
}
