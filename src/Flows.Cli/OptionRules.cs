using System.CommandLine;

namespace Flows.Cli;

/// <summary>Validators shared by the verbs' options; a violation is a parse error naming the option.</summary>
internal static class OptionRules
{
    public static Option<T> Positive<T>(Option<T> option)
        where T : struct, IComparable<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<T>().CompareTo(default) <= 0)
            {
                r.AddError($"{r.IdentifierToken?.Value ?? option.Name} must be positive.");
            }
        });
        return option;
    }

    public static Option<T> NonNegative<T>(Option<T> option)
        where T : struct, IComparable<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<T>().CompareTo(default) < 0)
            {
                r.AddError($"{r.IdentifierToken?.Value ?? option.Name} must not be negative.");
            }
        });
        return option;
    }
}
