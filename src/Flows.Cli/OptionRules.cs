using System.CommandLine;
using System.CommandLine.Parsing;

namespace Flows.Cli;

/// <summary>Validators shared by the verbs' options; a violation is a parse error naming the option.</summary>
internal static class OptionRules
{
    public static Option<T> Positive<T>(Option<T> option)
        where T : struct, IComparable<T>
        => Check(option, v => v.CompareTo(default) > 0 && IsFinite(v), "must be positive (and finite)");

    public static Option<T> NonNegative<T>(Option<T> option)
        where T : struct, IComparable<T>
        => Check(option, v => v.CompareTo(default) >= 0 && IsFinite(v), "must be a finite number, not negative");

    private static bool IsFinite<T>(T value) => value switch
    {
        double d => double.IsFinite(d),
        float f => float.IsFinite(f),
        _ => true,
    };

    /// <summary>
    /// The kernels' thread count (default: all processors); <see cref="CommandRunner"/> applies it before any
    /// verb that has it runs.
    /// </summary>
    public static Option<int?> Threads()
        => Check(new Option<int?>("--threads") { Description = "Threads for the kernels (default: all processors)." }, v => v is null or >= 1, "must be at least 1");

    /// <summary>Adds a rule; values that did not even parse are left to the parser's own error.</summary>
    public static Option<T> Check<T>(Option<T> option, Func<T, bool> valid, string problem)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(r =>
        {
            if (TryValue(r, out T value) && !valid(value))
            {
                r.AddError($"{r.IdentifierToken?.Value ?? option.Name} {problem}.");
            }
        });
        return option;
    }

    /// <summary>The option's value, or false when its text cannot be converted (the parser reports that).</summary>
    public static bool TryValue<T>(OptionResult result, out T value)
    {
        ArgumentNullException.ThrowIfNull(result);
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
