namespace Flows.Cli.Tests;

/// <summary><c>flows plot</c>: the mean and range of each group at the steps all its runs have, as PNG or SVG; bad groups in one line.</summary>
public sealed class PlotTests
{
    private static string Run(string root, string name, params (long Step, double Value)[] tests)
    {
        string dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        var lines = new List<string> { "{\"kind\":\"train\",\"step\":1,\"metric\":\"bpd\",\"value\":9.5}" };
        lines.AddRange(tests.Select(t => FormattableString.Invariant($"{{\"kind\":\"test\",\"step\":{t.Step},\"metric\":\"bpd\",\"value\":{t.Value}}}")));
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), lines);
        return dir;
    }

    [Fact]
    public void Groups_are_drawn_with_their_mean_and_range_at_common_steps()
    {
        string root = Cli.TempFolder();
        string a1 = Run(root, "a1", (100, 3.0), (200, 2.0), (300, 1.5));
        string a2 = Run(root, "a2", (100, 4.0), (200, 2.5)); // stopped earlier: step 300 is not common
        string b = Run(root, "b", (100, 5.0), (200, 4.0), (300, 3.0));
        string png = Path.Combine(root, "curves.png"), svg = Path.Combine(root, "curves.svg");
        string output = Cli.Ok("plot", $"lu, affine={a1},{a2}", $"reverse={b}", "-o", png, "--title", "test");
        Assert.Contains("lu, affine: 2 runs, last step 200: bpd 2.2500 (from 2.0000 to 2.5000)", output, StringComparison.Ordinal);
        Assert.Contains("reverse: 1 run, last step 300: bpd 3.0000 (from 3.0000 to 3.0000)", output, StringComparison.Ordinal);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.Equal((800, 500), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)))); // IHDR
        Assert.True(bytes.Length > 10_000, "an empty picture");

        Cli.Ok("plot", $"a={a1}", "-o", svg);
        var document = System.Xml.Linq.XDocument.Load(svg); // well-formed XML
        Assert.Equal("svg", document.Root!.Name.LocalName);
    }

    [Fact]
    public void Bad_groups_and_outputs_are_one_line_errors()
    {
        string root = Cli.TempFolder();
        string a = Run(root, "a", (100, 3.0));
        var (code, _, error) = Cli.Run("plot", a, "-o", Path.Combine(root, "x.png"));
        Assert.Equal(2, code);
        Assert.Equal($"error: '{a}': a group is LABEL=RUN[,RUN…].", error.Trim());

        (code, _, error) = Cli.Run("plot", $"a={a}", "-o", Path.Combine(root, "x.jpg"));
        Assert.Equal(2, code);
        Assert.Contains("is written as .png or .svg", error, StringComparison.Ordinal);

        (code, _, error) = Cli.Run("plot", $"a={Path.Combine(root, "none")}", "-o", Path.Combine(root, "x.png"));
        Assert.Equal(1, code);
        Assert.Contains("no metrics.jsonl", error, StringComparison.Ordinal);
    }
}
