using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Flows.Tests.IO;

/// <summary>
/// An independent reader of the PNGs our writer makes (8-bit gray or RGB, not interlaced, any of the five
/// filter types), checking the signature, every chunk's CRC with a bit-by-bit CRC-32, and the zlib stream.
/// </summary>
internal static class PngDecoder
{
    public static (int Width, int Height, int Channels, byte[] Pixels) Decode(byte[] png)
    {
        byte[] signature = [137, 80, 78, 71, 13, 10, 26, 10];
        if (!png.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("bad PNG signature");
        }

        int pos = 8, width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        bool sawEnd = false;
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            if (crc != BitwiseCrc(png.AsSpan(pos + 4, 4 + length)))
            {
                throw new InvalidDataException($"bad CRC in chunk {type}");
            }

            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    if (data[8] != 8 || data[12] != 0)
                    {
                        throw new InvalidDataException("only 8-bit non-interlaced");
                    }

                    channels = data[9] switch { 0 => 1, 2 => 3, _ => throw new InvalidDataException("colour type") };
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }

            pos += 12 + length;
        }

        if (!sawEnd || width == 0)
        {
            throw new InvalidDataException("missing IHDR or IEND");
        }

        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(raw);
        }

        var bytes = raw.ToArray();
        int stride = width * channels;
        if (bytes.Length != height * (stride + 1))
        {
            throw new InvalidDataException($"decompressed {bytes.Length} bytes, expected {height * (stride + 1)}");
        }

        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = bytes[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? pixels[(y * stride) + x - channels] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + x] : 0;
                int c = x >= channels && y > 0 ? pixels[((y - 1) * stride) + x - channels] : 0;
                int v = bytes[(y * (stride + 1)) + 1 + x];
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException("filter"),
                };
                pixels[(y * stride) + x] = (byte)(v + predictor);
            }
        }

        return (width, height, channels, pixels);
    }

    /// <summary>CRC-32 computed bit by bit from the polynomial, no table.</summary>
    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
