using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flows.IO;

/// <summary>One-line descriptions of JSON parse errors (System.Text.Json quotes the offending text, line breaks included).</summary>
internal static partial class JsonErrors
{
    /// <summary>The message of <paramref name="e"/> on one line: every run of whitespace that holds a line break becomes one space.</summary>
    public static string Describe(JsonException e) => OneLine(e.Message);

    /// <summary><paramref name="text"/> with every run of whitespace that holds a line break (or another control character) replaced by one space.</summary>
    public static string OneLine(string text) => Breaks().Replace(text, " ");

    [GeneratedRegex(@"\s*[\r\n\u0000-\u0008\u000B\u000C\u000E-\u001F\u0085\u2028\u2029]+\s*")]
    private static partial Regex Breaks();
}
