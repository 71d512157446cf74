namespace Flows.Cli;

internal static class Program
{
    public static int Main(string[] args) => FlowsCli.Run(args, Console.Out, Console.Error);
}
