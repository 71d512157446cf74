namespace Flows.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("flows: the command line is being built (see README).");
        return args.Length == 0 ? 0 : 1;
    }
}
