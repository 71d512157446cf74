using System.Diagnostics;
using System.Text.Json;
using Flows.IO;

namespace Flows.Cli.Tests;

/// <summary>
/// <c>mpirun -np 2 flows train</c> on this machine's loopback (Open MPI; .ci/setup installs it): the ranks stay
/// identical, follow one process, resume with another number of ranks, and bad setups end with one line.
/// </summary>
public sealed class MpiTrainingTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "Flows.Cli.dll");

    private static readonly string[] Recipe = ["--model", "glow", "-L", "2", "-K", "2", "--hidden", "16", "--batch", "16", "--log-every", "1", "--test-size", "90", "--threads", "1"];

    private static string MpiRun
    {
        get
        {
            string? found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
            Assert.True(found is not null, "mpirun is not installed: install Open MPI (apt-get install openmpi-bin libopenmpi-dev), as .ci/setup does.");
            return found!;
        }
    }

    /// <summary>Runs mpirun with the given launcher arguments; each app context is "dotnet Flows.Cli.dll" + its arguments.</summary>
    private static (int Code, string Output, string Error) Launch(params string[][] apps)
    {
        var start = new ProcessStartInfo(MpiRun) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"])
        {
            start.ArgumentList.Add(a);
        }

        for (int i = 0; i < apps.Length; i++)
        {
            if (i > 0)
            {
                start.ArgumentList.Add(":");
            }

            start.ArgumentList.Add("-np");
            start.ArgumentList.Add("1");
            start.ArgumentList.Add("dotnet");
            start.ArgumentList.Add(CliDll);
            foreach (string a in apps[i])
            {
                start.ArgumentList.Add(a);
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun did not finish in 3 minutes:\n{output.Result}\n{error.Result}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Our lines of the error output (mpirun adds its own report of a job that ended with an error): said once, by one rank.</summary>
    private static string[] Errors(string error) => [.. error.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))];

    private static (int Code, string Output, string Error) Ranks(int n, params string[] args) => Launch([.. Enumerable.Repeat(args, n)]);

    private static string[] Train(string data, string run, int steps, params string[] more) => ["train", "--data", data, .. Recipe, "--steps", $"{steps}", "--out", run, .. more];

    private static List<double> Losses(string run)
        => [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "train")
            .Select(e => e.GetProperty("value").GetDouble())];

    private static double MaxParameterDifference(string a, string b)
    {
        var x = SafeTensors.Read(Path.Combine(a, "checkpoint", "model.safetensors"));
        var y = SafeTensors.Read(Path.Combine(b, "checkpoint", "model.safetensors"));
        Assert.Equal(x.Keys.Order(), y.Keys.Order());
        double max = 0;
        foreach (var (name, t) in x)
        {
            var u = t.Span;
            var v = y[name].Span;
            for (int i = 0; i < u.Length; i++)
            {
                max = Math.Max(max, Math.Abs(u[i] - v[i]));
            }
        }

        return max;
    }

    [Fact]
    public void Two_ranks_stay_identical_follow_one_process_and_resume_with_another_number_of_ranks()
    {
        string data = Cli.ImageFolder(320, 90, 8, 5);
        string dir = Cli.TempFolder();
        string one = Path.Combine(dir, "one"), two = Path.Combine(dir, "two");
        Cli.Ok(Train(data, one, 30));
        var (code, output, error) = Ranks(2, Train(data, two, 30));
        Assert.True(code == 0, $"mpirun exited {code}:\n{error}\n{output}");
        Assert.Contains("Data-parallel over 2 ranks (Open MPI", output, StringComparison.Ordinal);
        Assert.Contains("each rank computes 8 examples of every batch of 16", output, StringComparison.Ordinal);
        // Compared across the ranks by the run itself at every checkpoint, every 100 steps and at the end.
        Assert.Contains("All 2 ranks hold identical parameters, buffers and optimizer state at step 30", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("Done: step 30", StringComparison.Ordinal)); // rank 0 alone reports

        // One process and two ranks: the same trajectory up to the order of float sums (Adam can turn a
        // gradient component that is float noise into a ±lr step, so parameters get a tolerance of a few lr).
        var l1 = Losses(one);
        var l2 = Losses(two);
        Assert.Equal(30, l1.Count);
        Assert.Equal(30, l2.Count);
        Assert.Equal(l1[0], l2[0], 5);
        double lossDiff = l1.Zip(l2).Max(z => Math.Abs(z.First - z.Second));
        Assert.True(lossDiff < 1e-4, $"per-step losses differ by up to {lossDiff} bpd"); // measured 7 Dec: 9.5e-7
        double paramDiff = MaxParameterDifference(one, two);
        log.WriteLine($"2 ranks against 1 process over 30 steps: losses up to {lossDiff:G3} bpd apart, parameters up to {paramDiff:G3}");
        Assert.True(paramDiff < 2e-3, $"parameters differ by up to {paramDiff} after 30 steps at lr 1e-3");

        // Resume with another number of ranks: the two-rank run goes on in one process, the one-process run on two ranks.
        Cli.Ok("train", "--resume", two, "--steps", "45", "--threads", "1");
        var (code2, output2, error2) = Ranks(2, "train", "--resume", one, "--steps", "45", "--threads", "1");
        Assert.True(code2 == 0, $"mpirun exited {code2}:\n{error2}\n{output2}");
        Assert.Contains("Resuming", output2, StringComparison.Ordinal);

        // Evaluation shared out over 2 ranks gives one process's figure, said once.
        string evalOne = Cli.Ok("eval", one, "--threads", "1");
        var (code3, evalTwo, error3) = Ranks(2, "eval", one, "--threads", "1");
        Assert.True(code3 == 0, $"{error3}\n{evalTwo}");
        string Bpd(string s) => s.Split('\n').Single(l => l.StartsWith("test bpd:", StringComparison.Ordinal));
        Assert.Equal(Bpd(evalOne), Bpd(evalTwo));
        Assert.Contains("All 2 ranks hold identical parameters, buffers and optimizer state at step 45", output2, StringComparison.Ordinal);
        Assert.Equal(45, Losses(one).Count);
        Assert.Equal(45, Losses(two).Count);
        double resumedDiff = MaxParameterDifference(one, two);
        log.WriteLine($"resumed to step 45 with the other number of ranks: parameters up to {resumedDiff:G3} apart");
        Assert.True(resumedDiff < 2e-3, $"after resuming with the other number of ranks, parameters differ by up to {resumedDiff}"); // measured 7 Dec: 7.3e-5
    }

    [Fact]
    public void A_rank_that_fails_ends_the_job_naming_itself()
    {
        string data = Cli.ImageFolder(64, 32, 8, 6);
        string run = Path.Combine(Cli.TempFolder(), "run");
        var (code, output, error) = Launch(Train(data, run, 4), Train(Path.Combine(data, "missing"), run, 4));
        Assert.NotEqual(0, code);
        Assert.Contains("error: rank 1 of 2: ", error, StringComparison.Ordinal);
        Assert.Contains("Ending the job.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("Done:", output, StringComparison.Ordinal);

    }

    [Fact]
    public async Task A_rank_killed_outright_ends_the_job_and_the_last_checkpoint_stays_usable()
    {
        string data = Cli.ImageFolder(320, 32, 8, 8);
        string run = Path.Combine(Cli.TempFolder(), "run");
        var start = new ProcessStartInfo(MpiRun) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "2", "dotnet", CliDll, .. Train(data, run, 100000, "--checkpoint-every", "5")])
        {
            start.ArgumentList.Add(a);
        }

        using var mpirun = Process.Start(start)!;
        var output = mpirun.StandardOutput.ReadToEndAsync();
        var error = mpirun.StandardError.ReadToEndAsync();
        string state = Path.Combine(run, "checkpoint", "state.json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(state) && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(100);
        }

        Assert.True(File.Exists(state), "no checkpoint within 2 minutes");
        Thread.Sleep(1000); // a few more checkpoints, so the kill may land in the middle of one
        var ranks = Children(mpirun.Id);
        Assert.Equal(2, ranks.Length);
        Process.GetProcessById(ranks[^1]).Kill(); // SIGKILL: no handler runs
        Assert.True(mpirun.WaitForExit(TimeSpan.FromMinutes(1)), "mpirun did not end the job after a rank was killed");
        Assert.NotEqual(0, mpirun.ExitCode);
        _ = await output;
        Assert.Matches(@"rank [01] .*(signal 9|Killed)", await error);

        string eval = Cli.Ok("eval", run, "--test-size", "16");
        Assert.Contains("test bpd", eval, StringComparison.Ordinal);
        Cli.Ok("train", "--resume", run, "--steps", $"{Checkpoint(run) + 3}", "--threads", "1");
    }

    private static long Checkpoint(string run)
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "checkpoint", "state.json"))).RootElement.GetProperty("step").GetInt64();

    /// <summary>The processes whose parent is <paramref name="parent"/> (from /proc).</summary>
    private static int[] Children(int parent)
        => [.. Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => (Pid: int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture), Stat: TryRead($"/proc/{n}/stat")))
            .Where(p => p.Stat is { } st && int.Parse(st[(st.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
            .Select(p => p.Pid)
            .Order()];

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [Fact]
    public void Ranks_with_other_settings_a_batch_too_small_and_other_verbs_are_refused_in_one_line()
    {
        string data = Cli.ImageFolder(64, 32, 8, 7);
        string dir = Cli.TempFolder();
        var (code, output, error) = Launch(Train(data, Path.Combine(dir, "a"), 4), Train(data, Path.Combine(dir, "a"), 4, "--seed", "9"));
        Assert.Equal(1, code);
        Assert.Equal(["error: rank 1 has a different configuration or data than rank 0: give every rank the same arguments and the same data (a shared filesystem for the run folder and the data cache, or identical copies)."],
            Errors(error));
        Assert.DoesNotContain("Done:", output, StringComparison.Ordinal);

        var small = Ranks(2, ["train", "--data", data, "--model", "glow", "-L", "2", "-K", "1", "--hidden", "4", "--batch", "1", "--steps", "2", "--out", Path.Combine(dir, "b")]);
        Assert.Equal(2, small.Code);
        Assert.Equal(["error: 2 ranks cannot share a batch of 1: every rank needs at least one example; use --batch 2 or more, or fewer ranks."], Errors(small.Error));

        var sample = Ranks(2, "sample", Path.Combine(dir, "a"), "-o", Path.Combine(dir, "s.png"));
        Assert.Equal(2, sample.Code);
        Assert.Equal(["error: only 'flows train' and 'flows eval' run across MPI ranks; start 'flows sample' without mpirun (it got 2 ranks)."], Errors(sample.Error));
    }

    /// <summary>flows train on moons as one process with the given launcher environment (no mpirun): exit code, output, error.</summary>
    private static (int Code, string Output, string Error) WithLauncherEnvironment(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[CliDll, "train", "--data", "moons", "--steps", "2", "--out", Path.Combine(Cli.TempFolder(), "m")])
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd(), error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error);
    }

    [Fact]
    public void A_launcher_other_than_Open_MPI_is_named_in_one_line()
    {
        // MPICH's and Intel MPI's launchers set PMI_SIZE / PMI_RANK; flows binds Open MPI's library only.
        var (code, output, error) = WithLauncherEnvironment(("PMI_SIZE", "2"), ("PMI_RANK", "0"));
        Assert.Equal(1, code);
        Assert.Equal(["error: This process was started by an MPI launcher other than Open MPI's mpirun (MPICH, Intel MPI, …); flows binds Open MPI 4 or 5 (libmpi.so.40). Install Open MPI (apt install openmpi-bin libopenmpi-dev) and start with its mpirun."],
            Errors(error));
        Assert.Equal(string.Empty, output.Trim());
    }

    [Fact]
    public void Open_MPI_that_cannot_be_loaded_is_one_line()
    {
        // What a machine without libmpi sees under mpirun (the launcher's variables are set, the library is not there).
        var (code, output, error) = WithLauncherEnvironment(("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "0"), ("FLOWS_MPI_LIBRARY", "/nonexistent/libmpi.so.40"));
        Assert.Equal(1, code);
        Assert.Equal(["error: This process was started by mpirun, but FLOWS_MPI_LIBRARY=/nonexistent/libmpi.so.40 could not be loaded as Open MPI's library."], Errors(error));
        Assert.Equal(string.Empty, output.Trim());
    }
}
