namespace Flows.IO;

/// <summary>One entry of a safetensors header: name, dtype ("F32", "F64", "F16", "BF16"), shape and the byte range [Begin, End) within the data section.</summary>
public sealed record SafeTensorInfo(string Name, string DType, int[] Shape, long Begin, long End);
