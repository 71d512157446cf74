using System.Text.RegularExpressions;

namespace Flows.IO;

/// <summary>Exception messages as one line, fit to quote inside the library's own messages.</summary>
internal static partial class ErrorText
{
    /// <summary>
    /// The message of <paramref name="e"/> on one line: line breaks (System.Text.Json quotes the offending text,
    /// breaks included) become spaces, and an argument exception loses .NET's "(Parameter 'x')" suffix.
    /// </summary>
    public static string Of(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string text = OneLine(e.Message);
        int parameter = e is ArgumentException ? text.LastIndexOf(" (Parameter '", StringComparison.Ordinal) : -1;
        return parameter > 0 ? text[..parameter] : text;
    }

    /// <summary><paramref name="text"/> with every run of whitespace that holds a line break (or another control character) replaced by one space.</summary>
    public static string OneLine(string text) => Breaks().Replace(text, " ");

    [GeneratedRegex(@"\s*[\r\n\u0000-\u0008\u000B\u000C\u000E-\u001F\u0085\u2028\u2029]+\s*")]
    private static partial Regex Breaks();
}
