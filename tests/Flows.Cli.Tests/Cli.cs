using Flows.Cli;

namespace Flows.Cli.Tests;

/// <summary>Runs the flows command in-process with captured output.</summary>
internal static class Cli
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FlowsCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts success, showing the error output if it failed.</summary>
    public static string Ok(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 0, $"flows {string.Join(' ', args)} exited {code}:\n{error}\n{output}");
        return output;
    }

    /// <summary>The built command line, for tests that need it as a process of its own (signals, kill -9, limits).</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "Flows.Cli.dll");

    /// <summary>Starts <c>dotnet Flows.Cli.dll ARGS</c> as a process with its output redirected.</summary>
    public static System.Diagnostics.Process Start(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        return System.Diagnostics.Process.Start(start)!;
    }

    public static string TempFolder() => Directory.CreateTempSubdirectory("flows-cli-").FullName;

    /// <summary>A folder of IDX files: <paramref name="train"/> and <paramref name="test"/> random gray images of side <paramref name="side"/>, with labels 0-2.</summary>
    public static string ImageFolder(int train, int test, int side, ulong seed)
    {
        string dir = TempFolder();
        var rng = new Flows.Rng(seed);
        foreach (var (prefix, n) in new[] { ("train", train), ("t10k", test) })
        {
            var pixels = new byte[n * side * side];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (byte)rng.NextInt(256);
            }

            var labels = new byte[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = (byte)(i % 3);
            }

            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), Idx([n, side, side], pixels));
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), Idx([n], labels));
        }

        return dir;
    }

    private static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }
}
