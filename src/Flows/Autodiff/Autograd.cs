namespace Flows.Autodiff;

/// <summary>Switches gradient recording on and off for the current thread.</summary>
public static class Autograd
{
    [ThreadStatic]
    private static int _noGradDepth;

    [ThreadStatic]
    private static bool _valuesOnly;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>
    /// True inside a <see cref="Recording"/> scope: the graph being recorded will only be released, never
    /// differentiated, so an op may compute its values by a faster route that records no backward.
    /// </summary>
    internal static bool ValuesOnly => _valuesOnly || !IsEnabled;

    /// <summary>Within the returned scope, operations record no graph (sampling, evaluation).</summary>
    public static IDisposable NoGrad()
    {
        _noGradDepth++;
        return new Scope();
    }

    /// <summary>
    /// Within the returned scope operations record again, even inside a <see cref="NoGrad"/> scope. For code
    /// that records only so that it can hand every intermediate back to the tensor pool with
    /// <see cref="Variable.ReleaseGraph"/> (results made without recording are left to the garbage collector).
    /// </summary>
    internal static IDisposable Recording()
    {
        int saved = _noGradDepth;
        bool savedValuesOnly = _valuesOnly;
        _noGradDepth = 0;
        _valuesOnly = true;
        return new RestoreScope(saved, savedValuesOnly);
    }

    private sealed class RestoreScope(int depth, bool valuesOnly) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _noGradDepth = depth;
                _valuesOnly = valuesOnly;
            }
        }
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _noGradDepth--;
            }
        }
    }
}
