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

    public IReadOnlyList<SafeTensorInfo> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Byte position of the data section in the file (8 + header length).</summary>
    public long DataStart { get; }
}
