namespace Flows.Data;

/// <summary>Where downloaded datasets live: <c>$FLOWS_DATA</c> if set, else a per-user cache folder.</summary>
public static class DataCache
{
    /// <summary>The environment variable that overrides the cache folder.</summary>
    public const string EnvironmentVariable = "FLOWS_DATA";

    /// <summary>
    /// <c>$FLOWS_DATA</c>; else <c>$XDG_CACHE_HOME/flows</c> or <c>~/.cache/flows</c> on Unix, and
    /// <c>%LOCALAPPDATA%\flows\cache</c> on Windows.
    /// </summary>
    public static string DefaultRoot()
    {
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return Path.GetFullPath(env);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "flows", "cache");
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "flows");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "flows");
    }
}
