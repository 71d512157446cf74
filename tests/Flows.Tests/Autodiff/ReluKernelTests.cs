using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Tests.Autodiff;

/// <summary>The SIMD ReLU backward against its scalar twin.</summary>
public sealed class ReluKernelTests
{
    [Fact]
    public void Every_length_up_to_300_matches_the_scalar_twin()
    {
        var rng = new Rng(3);
        for (int n = 0; n <= 300; n++)
        {
            var x = new float[n];
            var g = new float[n];
            rng.FillNormal(x);
            rng.FillNormal(g);
            if (n > 2)
            {
                x[0] = 0f; // the kink: gradient 0, as in the scalar rule x > 0
                x[1] = -0f;
                x[2] = float.NaN;
            }

            var fast = new float[n];
            var plain = new float[n];
            Elementwise.ReluBackward(x, g, fast);
            Elementwise.ReluBackwardScalar(x, g, plain);
            Assert.Equal(plain, fast);
        }
    }

    [Fact]
    public void Gradient_passes_only_where_input_is_positive()
    {
        float[] x = [-1f, 2f, 0f, 3f, -4f, 5f, 6f, -7f, 8f, 9f];
        float[] g = [1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f];
        var gx = new float[x.Length];
        Elementwise.ReluBackward(x, g, gx);
        Assert.Equal([0f, 1f, 0f, 1f, 0f, 1f, 1f, 0f, 1f, 1f], gx);
    }
}
