namespace Flows.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary file in
/// the same folder, is flushed to disk, and then renamed over the target (an atomic replace on one volume).
/// </summary>
public static class AtomicFile
{
    /// <summary>Creates <paramref name="path"/> (and its folder) or replaces it atomically with what <paramref name="write"/> writes to the stream it is given.</summary>
    /// <remarks>If <paramref name="write"/> throws, the temporary file is deleted, the target is left as it was, and the exception propagates.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        string temp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Atomically writes <paramref name="text"/> to <paramref name="path"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text)
        => Write(path, s =>
        {
            var bytes = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            s.Write(bytes);
        });

    /// <summary>Atomically writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// Whether <paramref name="e"/> is the disk refusing a write (full, read-only, past a size limit) rather than a
    /// defect: an I/O or access error, or the ArgumentOutOfRangeException that .NET raises for EFBIG (a write past the
    /// file-size limit).
    /// </summary>
    internal static bool IsRefusedWrite(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
