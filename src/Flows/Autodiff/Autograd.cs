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
