namespace Flows.Autodiff;

/// <summary>
/// Counts the floating-point operations of the products that dominate a flow's cost — matrix products
/// (<see cref="Ops.MatMul"/>) and convolutions (<see cref="Ops.Conv2d"/>), forward and backward — as 2 per
/// multiply-add. Element-wise ops, reductions and the small C×C inverses and determinants are not counted, so the
/// count is a lower bound of the arithmetic done. Off unless <see cref="Start"/> was called, and per thread: it
/// counts the ops the calling thread issues (their kernels may run on several threads). For benchmarks, which turn
/// measured speed into effective GFLOP/s.
/// </summary>
public static class FlopCounter
{
    [ThreadStatic]
    private static long _flops;

    [ThreadStatic]
    private static bool _on;

    /// <summary>Sets the count to zero and starts counting.</summary>
    public static void Start()
    {
        _flops = 0;
        _on = true;
    }

    /// <summary>Stops counting and returns the operations counted since <see cref="Start"/>.</summary>
    public static long Stop()
    {
        _on = false;
        return _flops;
    }

    /// <summary>Adds the 2·m·n·k operations of an m×k by k×n product, when counting.</summary>
    internal static void Product(long m, long n, long k)
    {
        if (_on)
        {
            _flops += 2 * m * n * k;
        }
    }
}
