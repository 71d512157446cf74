using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// One bijector applied to a tensor, outside any caller's graph, with its intermediates handed back to the
/// tensor pool as soon as it is done. The step runs with recording on (also inside
/// <see cref="Autograd.NoGrad"/>) so that every intermediate is a graph node that
/// <see cref="Variable.ReleaseGraph"/> can release; results computed without recording would be left to
/// the garbage collector, which for Glow's coupling networks means several megabytes per step.
/// </summary>
internal static class DetachedStep
{
    /// <summary>Forward (or inverse) of <paramref name="step"/> on <paramref name="input"/>: new tensors owned by the caller.</summary>
    public static (Tensor Out, Tensor LogDet) Run(Bijector step, Tensor input, bool inverse)
    {
        using var recording = Autograd.Recording();
        var leaf = Variable.Constant(input);
        var (output, logDet) = inverse ? step.Inverse(leaf) : step.Forward(leaf);
        var outCopy = output.Value.Clone();
        var logDetCopy = logDet.Value.Clone();
        output.ReleaseGraph();
        logDet.ReleaseGraph();
        return (outCopy, logDetCopy);
    }
}
