using System.Diagnostics;
using System.Security.Cryptography;

namespace Flows.Cli.Tests;

/// <summary>
/// A disk that refuses more bytes: the command runs under a file-size limit (<c>ulimit -f</c>, with SIGXFSZ ignored so
/// that a write past it fails with an I/O error, as on a full disk, instead of killing the process). The save must end
/// in one line and exit code 1, leave the previous checkpoint byte for byte, leave no partial folder, and the run must
/// resume once there is room again.
/// </summary>
public sealed class FullDiskTests
{
    private static Dictionary<string, string> Hashes(string folder)
        => Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public async Task A_save_the_disk_refuses_ends_in_one_line_and_keeps_the_previous_checkpoint()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test limits file sizes with the Linux shell's ulimit");
        string run = Path.Combine(Cli.TempFolder(), "full");
        Cli.Ok("train", "--model", "nice", "--data", "moons", "-K", "4", "--hidden", "64", "--steps", "20", "--batch", "64", "--test-size", "100", "--out", run);
        string checkpoint = Path.Combine(run, "checkpoint");
        var before = Hashes(checkpoint);
        Assert.True(new FileInfo(Path.Combine(checkpoint, "model.safetensors")).Length > 150 * 1024, "the model file must be larger than the limit below");

        // 100 KiB per file: the run's small files fit, the weights do not.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("trap '' XFSZ; ulimit -f 100; exec dotnet \"$0\" train --resume \"$1\" --steps 40 --threads 1");
        start.ArgumentList.Add(Cli.Dll);
        start.ArgumentList.Add(run);
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0"; // the runtime's double-mapped code pages would meet the limit first
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "the command did not end");
        string error = (await stderr).Trim();

        Assert.Equal(1, process.ExitCode);
        Assert.Single(error.Split('\n'));
        Assert.StartsWith("error: Could not ", error, StringComparison.Ordinal); // a picture or the checkpoint, whichever the disk refuses first
        Assert.Contains("is unchanged", error, StringComparison.Ordinal);
        Assert.Contains("step 40", stdout, StringComparison.Ordinal); // it trained, then could not save
        Assert.Equal(before, Hashes(checkpoint));
        Assert.Empty(Directory.GetDirectories(run, "*.tmp-*").Concat(Directory.GetDirectories(run, "*.old-*")));

        // With room again the run resumes from the kept checkpoint and finishes.
        string resumed = Cli.Ok("train", "--resume", run, "--steps", "40");
        Assert.Contains("Resuming", resumed, StringComparison.Ordinal);
        Assert.Contains("at step 20", resumed, StringComparison.Ordinal);
        Directory.Delete(run, recursive: true);
    }
}
