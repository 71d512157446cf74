namespace Flows.Cli.Tests;

/// <summary>
/// The model zoo's checkpoints load with every verb's loader and still give the figures measured when they
/// were added (zoo/README.md states the full-test-set figure; here the first 1,000 test images, to keep CI short).
/// </summary>
public class ZooTests
{
    private static string Zoo(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flows.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "zoo", name);
    }

    [Fact]
    public void The_zoo_glow_evaluates_to_its_measured_bits_per_dimension_and_samples()
    {
        Cli.Ok("data", "get", "mnist");
        string zoo = Zoo("glow-mnist");
        string eval = Cli.Ok("eval", zoo, "--test-size", "1000");
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test bpd: (?<v>[-0-9.eE+]+)"), eval);
        Assert.InRange(bpd, 1.3843 - 5e-4, 1.3843 + 5e-4); // measured 7 Dec when the model was added
        Assert.InRange(WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"= (?<v>[-0-9.eE+]+) over"), eval), 0, 1e-2);

        string dir = Cli.TempFolder();
        string grid = Path.Combine(dir, "grid.png");
        Cli.Ok("sample", zoo, "--n", "16", "--temperature", "0.7", "-o", grid);
        Assert.True(new FileInfo(grid).Length > 0);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void The_zoo_long_glow_evaluates_to_its_measured_bits_per_dimension()
    {
        Cli.Ok("data", "get", "mnist");
        string eval = Cli.Ok("eval", Zoo("glow-mnist-long"), "--test-size", "1000");
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test bpd: (?<v>[-0-9.eE+]+)"), eval);
        Assert.InRange(bpd, 1.2303 - 5e-4, 1.2303 + 5e-4); // measured 7 Dec when the finished run was added (all 10,000: 1.2581)
    }

    [Fact]
    public void The_zoo_logit_glow_evaluates_to_its_measured_bits_per_dimension_and_inverts()
    {
        Cli.Ok("data", "get", "mnist");
        string eval = Cli.Ok("eval", Zoo("glow-mnist-logit"), "--test-size", "1000");
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test bpd: (?<v>[-0-9.eE+]+)"), eval);
        Assert.InRange(bpd, 1.0914 - 5e-4, 1.0914 + 5e-4); // measured 7 Dec when the model was added (all 10,000: 1.1169)
        Assert.InRange(WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"= (?<v>[-0-9.eE+]+) over"), eval), 0, 1e-3);
    }

    [Fact]
    public void The_zoo_fashion_glow_evaluates_to_its_measured_bits_per_dimension_and_loads_in_the_library()
    {
        Cli.Ok("data", "get", "fashion-mnist"); // .ci/setup installs Debian's dataset-fashion-mnist
        string zoo = Zoo("glow-fashion-mnist");
        string eval = Cli.Ok("eval", zoo, "--test-size", "1000");
        double bpd = WorkflowTests.Number(new System.Text.RegularExpressions.Regex(@"test bpd: (?<v>[-0-9.eE+]+)"), eval);
        Assert.InRange(bpd, 3.2041 - 5e-4, 3.2041 + 5e-4); // measured 7 Dec when the model was added (all 10,000: 3.1993)
        var flow = Flows.Flow.Load(zoo);
        Assert.Equal(new[] { 1, 28, 28 }, flow.DataShape);
        Assert.Equal(16, flow.SampleImages(16, 0.7f, seed: 3).Count);
    }
}
