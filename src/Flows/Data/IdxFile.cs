using System.Buffers.Binary;
using System.IO.Compression;

namespace Flows.Data;

/// <summary>
/// Reads unsigned-byte IDX files (LeCun's MNIST format: two zero bytes, type code 0x08, the number of
/// dimensions, each dimension as a big-endian int32, then the data row-major), raw or gzipped (detected
/// by the gzip magic bytes, not by the file name).
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>The dimensions and the data of the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an unsigned-byte IDX file or its size does not match its header.</exception>
    public static (int[] Dimensions, byte[] Data) Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var file = File.OpenRead(path);
        try
        {
            return Read(file, path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static (int[] Dimensions, byte[] Data) Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int got = buffered.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        if (got < 2)
        {
            throw new InvalidDataException($"{name}: too short to be an IDX file.");
        }

        // Re-read from the start through a decompressor if the file is gzipped.
        Stream source = buffered;
        if (buffered.CanSeek)
        {
            buffered.Seek(-2, SeekOrigin.Current);
        }
        else
        {
            source = new PrefixStream(magic.ToArray(), buffered);
        }

        if (magic[0] == 0x1F && magic[1] == 0x8B)
        {
            // Deflate expands at most ~1032:1, so the compressed bytes present bound what the header can honestly promise.
            long bound = source.CanSeek ? MaxDeflateRatio * (source.Length - source.Position) : 0;
            using var gz = new GZipStream(source, CompressionMode.Decompress);
            return ReadRaw(gz, name, bound);
        }

        return ReadRaw(source, name, 0);
    }

    private const long MaxDeflateRatio = 1032;

    /// <param name="s">The IDX bytes.</param>
    /// <param name="name">The file's name, for messages.</param>
    /// <param name="bound">An upper bound of the bytes <paramref name="s"/> can deliver when it cannot seek (0: unknown).</param>
    private static (int[] Dimensions, byte[] Data) ReadRaw(Stream s, string name, long bound)
    {
        Span<byte> head = stackalloc byte[4];
        if (s.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4 || head[0] != 0 || head[1] != 0)
        {
            throw new InvalidDataException($"{name}: not an IDX file (the first two bytes must be zero).");
        }

        if (head[2] != UnsignedByte)
        {
            throw new InvalidDataException($"{name}: IDX type code 0x{head[2]:X2}; only unsigned bytes (0x08) are supported.");
        }

        int rank = head[3];
        if (rank is < 1 or > 8)
        {
            throw new InvalidDataException($"{name}: IDX header says {rank} dimensions.");
        }

        var dims = new int[rank];
        Span<byte> word = stackalloc byte[4];
        long length = 1;
        for (int i = 0; i < rank; i++)
        {
            if (s.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
            {
                throw new InvalidDataException($"{name}: the IDX header is truncated.");
            }

            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[i] < 0)
            {
                throw new InvalidDataException($"{name}: negative dimension {dims[i]} in the IDX header.");
            }

            length *= dims[i];
            if (length > Array.MaxLength)
            {
                throw new InvalidDataException($"{name}: the IDX header describes more than {Array.MaxLength} bytes.");
            }
        }

        // Memory grows with the bytes actually there, never with what a (damaged) header promises.
        if (s.CanSeek && s.Length - s.Position < length)
        {
            throw new InvalidDataException($"{name}: the header promises {length} data bytes ({string.Join('x', dims)}) but the file holds {s.Length - s.Position}.");
        }

        // A promise the bytes present can keep gets its array at once; otherwise the array grows with what arrives.
        bool credible = s.CanSeek || length <= bound;
        var data = new byte[credible ? length : Math.Min(length, 1 << 20)];
        int read = 0;
        while (read < length)
        {
            if (read == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(length, 2L * data.Length));
            }

            int n = s.Read(data, read, data.Length - read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        if (read < length)
        {
            throw new InvalidDataException($"{name}: the header promises {length} data bytes ({string.Join('x', dims)}) but the file holds {read}.");
        }

        if (s.ReadByte() >= 0)
        {
            throw new InvalidDataException($"{name}: the file is longer than its header ({string.Join('x', dims)}) says.");
        }

        return (dims, data);
    }

    /// <summary>Bytes already read, then the rest of a stream that cannot seek.</summary>
    private sealed class PrefixStream(byte[] prefix, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
