using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Flows.IO;

/// <summary>
/// Writes 8-bit grayscale or RGB PNG files (ISO/IEC 15948): signature, IHDR, one IDAT holding the
/// zlib stream (not raw deflate) of the rows, each preceded by filter byte 0, and IEND; every chunk
/// ends with the CRC-32 of its type and data.
/// </summary>
public static class PngWriter
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public static void Save(RasterImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        AtomicFile.Write(path, stream => Write(image, stream));
    }

    /// <summary>The PNG encoding of <paramref name="image"/>.</summary>
    public static byte[] Encode(RasterImage image)
    {
        using var ms = new MemoryStream();
        Write(image, ms);
        return ms.ToArray();
    }

    /// <summary>Writes the PNG encoding of <paramref name="image"/> to <paramref name="stream"/> at its current position.</summary>
    public static void Write(RasterImage image, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Signature);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8; // bit depth
        header[9] = (byte)(image.Channels == 1 ? 0 : 2); // colour type: 0 gray, 2 RGB
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(stream, "IHDR", header);

        int stride = image.Width * image.Channels;
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (int y = 0; y < image.Height; y++)
                {
                    z.WriteByte(0); // filter type None
                    z.Write(image.Pixels, y * stride, stride);
                }
            }

            WriteChunk(stream, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(stream, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, typeBytes), data));
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }
}
