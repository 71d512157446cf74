namespace Flows.Autodiff;

/// <summary>Switches gradient recording on and off for the current thread.</summary>
public static class Autograd
{
    [ThreadStatic]
    private static int _noGradDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

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
        _noGradDepth = 0;
        return new RestoreScope(saved);
    }

    private sealed class RestoreScope(int depth) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _noGradDepth = depth;
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
