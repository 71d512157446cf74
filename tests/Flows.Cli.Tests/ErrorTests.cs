namespace Flows.Cli.Tests;

/// <summary>Bad input gives one clear line naming the problem and a non-zero exit code, never a stack trace.</summary>
public class ErrorTests
{
    private static void AssertClearError((int Code, string Output, string Error) r, string expected)
    {
        Assert.NotEqual(0, r.Code);
        Assert.Contains(expected, r.Error, StringComparison.Ordinal);
        Assert.StartsWith("error: ", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", r.Error + r.Output, StringComparison.Ordinal); // help only on --help
        Assert.DoesNotContain("(Parameter '", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value was", r.Error, StringComparison.Ordinal);
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
    public void Usage_errors_exit_2_with_one_line_and_a_hint_and_failures_exit_1()
    {
        var r = Cli.Run("train", "--batch", "lots");
        Assert.Equal(2, r.Code);
        AssertClearError(r, "'lots'");
        Assert.Contains("Try 'flows train --help'.", r.Error, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("train", "--bogus").Code);
        Assert.Equal(2, Cli.Run("train", "--data", "moons", "--hidden-layers", "-1").Code);
        AssertClearError(Cli.Run("train", "--data", "moons", "--hidden-layers", "-1"), "--hidden-layers must be at least 1");
        AssertClearError(Cli.Run("sample", "x", "--temperature", "Infinity"), "--temperature must be a finite number");
        Assert.Equal(2, Cli.Run("train").Code); // --data missing: a usage error
        Assert.Equal(1, Cli.Run("eval", "/no/such/run").Code); // understood, but there is nothing there: a failure
    }

    [Fact]
    public void A_bad_file_in_the_users_own_folder_is_named_and_the_folder_is_neither_touched_nor_to_be_deleted()
    {
        string source = Cli.ImageFolder(10, 5, 28, 1); // MNIST's file names, but 10 training images, not 60,000
        string cache = Cli.TempFolder();
        var before = Directory.GetFiles(source).ToDictionary(f => f, File.ReadAllBytes);
        var r = Cli.Run("data", "get", "mnist", "--dir", cache, "--from", source);
        AssertClearError(r, "has dimensions [10, 28, 28], expected [60000, 28, 28]");
        Assert.Contains("left as it is", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Delete", r.Error, StringComparison.Ordinal);
        foreach (var (f, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(f)), $"{f} changed");
        }
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("score")]
    [InlineData("ood")]
    [InlineData("sample")]
    [InlineData("interpolate")]
    [InlineData("manipulate")]
    [InlineData("encode")]
    [InlineData("decode")]
    public void Every_verb_that_computes_takes_threads_and_checks_it(string verb)
    {
        var r = Cli.Run(verb, "x", "--threads", "0");
        Assert.Equal(2, r.Code);
        Assert.Contains("--threads must be at least 1", r.Error, StringComparison.Ordinal);
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
        Assert.Equal(2, code);
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
