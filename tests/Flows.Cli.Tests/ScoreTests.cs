namespace Flows.Cli.Tests;

/// <summary>flows score and flows ood on small IDX folders: CSV rows, calibration written and applied, the metrics table and pictures, and one-line errors.</summary>
public class ScoreTests
{
    private static string Train(string data)
    {
        string run = Path.Combine(Cli.TempFolder(), "run");
        Cli.Ok("train", "--data", data, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", "3", "--out", run);
        return run;
    }

    [Fact]
    public void Score_writes_one_row_per_example_and_calibration_flags_new_data()
    {
        string data = Cli.ImageFolder(48, 40, 8, 5);
        string run = Train(data);
        string csv = Path.Combine(Cli.TempFolder(), "scores.csv");
        string output = Cli.Ok("score", run, "--limit", "30", "-o", csv);
        Assert.Contains("input-complexity", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("index,label,log_p,png_bpd,likelihood,input-complexity,top-level", lines[0]);
        Assert.Equal(31, lines.Length);
        Assert.StartsWith("29,2,", lines[^1], StringComparison.Ordinal); // labels i % 3

        output = Cli.Ok("score", run, "--limit", "20", "--calibrate", "--fpr", "0.1,0.2");
        Assert.Contains("calibrated input-complexity on 20 examples", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint", "calibration.json")));
        output = Cli.Ok("score", run, "--skip", "20", "-o", csv);
        Assert.Contains("outliers at false-positive rate 0.1", output, StringComparison.Ordinal);
        Assert.EndsWith(",outlier_at_0.1,outlier_at_0.2", File.ReadAllLines(csv)[0], StringComparison.Ordinal);
        Assert.Equal(21, File.ReadAllLines(csv).Length);
    }

    [Fact]
    public void Ood_prints_every_score_and_writes_the_roc_and_histograms()
    {
        string normal = Cli.ImageFolder(48, 40, 8, 6);
        string other = Cli.ImageFolder(48, 40, 8, 7);
        string run = Train(normal);
        string pictures = Cli.TempFolder();
        string output = Cli.Ok("ood", run, "--in", normal, "--out", other, "--typicality-batch", "5", "-o", pictures);
        Assert.Contains("| likelihood | ", output, StringComparison.Ordinal);
        Assert.Contains("| input-complexity | ", output, StringComparison.Ordinal);
        Assert.Contains("| typicality, batches of 5 (8 and 8 batches) | ", output, StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(pictures, "roc.svg")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(pictures, "histogram-input-complexity.svg")));

        // A background model (perturbed training images) adds the likelihood ratio.
        string background = Path.Combine(Cli.TempFolder(), "background");
        output = Cli.Ok("train", "--data", normal, "-L", "1", "-K", "1", "--hidden", "4", "--batch", "16", "--steps", "3", "--perturb", "0.2", "--out", background);
        Assert.Contains("probability 0.2", output, StringComparison.Ordinal);
        Assert.Contains("\"perturbation\": 0.2", File.ReadAllText(Path.Combine(background, "checkpoint", "config.json")), StringComparison.Ordinal);
        Cli.Ok("train", "--resume", background, "--steps", "4");
        output = Cli.Ok("ood", run, "--in", normal, "--out", other, "--background", background);
        Assert.Contains("| likelihood-ratio | ", output, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("train", "--data", "moons", "--perturb", "0.2", "--steps", "1", "--out", background + "-moons").Code);

        string wider = Cli.ImageFolder(16, 8, 12, 8);
        var (code, _, error) = Cli.Run("ood", run, "--in", normal, "--out", wider);
        Assert.Equal(2, code);
        Assert.Contains("[1, 12, 12]", error, StringComparison.Ordinal);
        (code, _, error) = Cli.Run("score", run, "--background", Train(wider));
        Assert.Equal(2, code);
        Assert.Contains("background", error, StringComparison.Ordinal);
    }
}
