using System.Globalization;

namespace Flows.Cli;

/// <summary>Comma-separated number lists on the command line ("0,1,2", "-1,-0.5,0,0.5,1").</summary>
internal static class ListParser
{
    public static int[] Integers(string text, string option) => Parse(text, option, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public static float[] Floats(string text, string option)
    {
        var values = Parse(text, option, s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new UsageException($"{option} must hold finite numbers, got '{text}'.");
            }
        }

        return values;
    }

    private static T[] Parse<T>(string text, string option, Func<string, T> parse)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new UsageException($"{option} needs a comma-separated list, got '{text}'.");
        }

        var values = new T[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            try
            {
                values[i] = parse(parts[i]);
            }
            catch (FormatException)
            {
                throw new UsageException($"{option}: '{parts[i]}' is not a number.");
            }
            catch (OverflowException)
            {
                throw new UsageException($"{option}: '{parts[i]}' is out of range.");
            }
        }

        return values;
    }
}
