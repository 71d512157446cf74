namespace Flows.Bijectors;

/// <summary>
/// How well memory-efficient back-propagation rebuilt its inputs (Behrmann et al. 2021, "Understanding and
/// mitigating exploding inverses in invertible neural networks"): at the first step of each reversible sequence,
/// where the true input is stored, the output rebuilt by inverting the later steps is compared with the output
/// recomputed from the stored input. A large difference means the inverses were inaccurate and the gradient
/// may be wrong although finite. One monitor serves one model; <see cref="Reset"/> it before a backward pass.
/// </summary>
public sealed class ReconstructionMonitor
{
    /// <summary>The largest max |rebuilt − recomputed| over the sequences since the last <see cref="Reset"/> (0: none checked; NaN if one was not finite).</summary>
    public double MaxError { get; private set; }

    /// <summary>Sequences compared since the last <see cref="Reset"/>.</summary>
    public int Checked { get; private set; }

    /// <summary>Sets <see cref="MaxError"/> and <see cref="Checked"/> back to 0.</summary>
    public void Reset()
    {
        MaxError = 0;
        Checked = 0;
    }

    /// <summary>Compares a rebuilt tensor with the recomputed one and keeps the largest difference.</summary>
    public void Observe(ReadOnlySpan<float> rebuilt, ReadOnlySpan<float> recomputed)
    {
        if (rebuilt.Length != recomputed.Length)
        {
            throw new ArgumentException($"{rebuilt.Length} rebuilt values against {recomputed.Length} recomputed ones.", nameof(recomputed));
        }

        double max = 0;
        for (int i = 0; i < rebuilt.Length && !double.IsNaN(max); i++)
        {
            double d = Math.Abs((double)rebuilt[i] - recomputed[i]);
            max = double.IsNaN(d) ? d : Math.Max(max, d);
        }

        Checked++;
        MaxError = double.IsNaN(MaxError) || double.IsNaN(max) ? double.NaN : Math.Max(MaxError, max);
    }
}
