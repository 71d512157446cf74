namespace Flows.Cli.Tests;

/// <summary>Bad input gives one clear line naming the problem and a non-zero exit code, never a stack trace.</summary>
public class ErrorTests
{
    private static void AssertClearError((int Code, string Output, string Error) r, string expected)
    {
        Assert.NotEqual(0, r.Code);
        Assert.Contains(expected, r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpListsTheVerbs()
    {
        string help = Cli.Ok("--help");
        foreach (string verb in new[] { "data", "train", "eval", "sample", "interpolate", "manipulate", "encode", "decode" })
        {
            Assert.Contains(verb, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OptionsOutOfRangeAreParseErrorsNamingTheOption()
    {
        AssertClearError(Cli.Run("train", "--data", "moons", "--batch", "0"), "--batch must be positive");
        AssertClearError(Cli.Run("train", "--data", "moons", "--n-bits", "9"), "--n-bits must be between 1 and 8");
        AssertClearError(Cli.Run("train", "--data", "moons", "--lr", "-1"), "--lr must be a positive number");
        AssertClearError(Cli.Run("train", "--data", "moons", "--steps", "0"), "--steps must be positive");
        AssertClearError(Cli.Run("train", "--data", "moons", "--model", "maf"), "maf");
        AssertClearError(Cli.Run("train", "--data", "moons", "--permutation", "random"), "random");
        AssertClearError(Cli.Run("train", "--data", "moons", "--batch", "lots"), "lots");
        AssertClearError(Cli.Run("sample", "x", "--n", "-3"), "--n must be positive");
        AssertClearError(Cli.Run("manipulate", "x"), "--label");
        AssertClearError(Cli.Run("bench", "glow-mnist", "--train-minutes", "1", "--clip", "-1"), "--clip must be zero (off) or positive");
    }

    [Fact]
    public void MissingThingsAreNamed()
    {
        AssertClearError(Cli.Run("train"), "error: --data is required");
        AssertClearError(Cli.Run("train", "--data", "/no/such/folder"), "neither a known dataset");
        AssertClearError(Cli.Run("eval", "/no/such/run"), "error: No checkpoint at '/no/such/run'");
        AssertClearError(Cli.Run("train", "--resume", "/no/such/run"), "No checkpoint at");
        string dir = Cli.TempFolder();
        AssertClearError(Cli.Run("data", "get", "mnist", "--dir", dir, "--from", dir), "does not hold the four mnist files");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void SettingsThatAResumedRunKeepsAreRefusedNotIgnored()
    {
        // Checked before the checkpoint is read: the message names every option that would have been ignored.
        var (code, _, error) = Cli.Run("train", "--resume", "/no/such/run", "--hidden", "64", "--lr", "0.01", "--steps", "5");
        Assert.Equal(1, code);
        Assert.Contains("--hidden, --lr cannot be changed on resume", error, StringComparison.Ordinal);
        Assert.DoesNotContain("--steps", error.Split("(only")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesThatCannotBeSqueezedEnoughAreRefusedBeforeTraining()
    {
        string data = Cli.ImageFolder(8, 4, 6, 1);
        string run = Path.Combine(Cli.TempFolder(), "r");
        AssertClearError(Cli.Run("train", "--data", data, "-L", "2", "--out", run), "6x6 must be divisible by 4");
        AssertClearError(Cli.Run("train", "--data", data, "-L", "1", "--batch", "16", "--train-size", "8", "--out", run), "--train-size 8 is smaller than one batch");
        Assert.False(Directory.Exists(run));
        Directory.Delete(data, true);
    }
}
