using Flows.Autodiff;

namespace Flows.Tests.Autodiff;

public sealed class FlopCounterTests
{
    [Fact]
    public void A_matrix_product_counts_two_per_multiply_add_forward_and_per_gradient_backward()
    {
        var rng = new Rng(1);
        var a = new Variable(Tensor.Zeros(5, 7), requiresGrad: true);
        var b = new Variable(Tensor.Zeros(3, 7), requiresGrad: true);
        rng.FillNormal(a.Value.Span);
        rng.FillNormal(b.Value.Span);
        FlopCounter.Start();
        var y = Ops.MatMul(a, b, transposeB: true); // [5, 3], inner 7
        Assert.Equal(2L * 5 * 3 * 7, FlopCounter.Stop());

        FlopCounter.Start();
        Ops.Sum(y, [0, 1]).Backward();
        Assert.Equal(2 * (2L * 5 * 3 * 7), FlopCounter.Stop()); // da and db, each the forward's size
    }

    [Fact]
    public void A_convolution_counts_every_output_times_input_channels_times_taps()
    {
        var x = new Variable(Tensor.Zeros(2, 3, 6, 5), requiresGrad: false);
        var w = new Variable(Tensor.Zeros(4, 3, 3, 3), requiresGrad: true);
        long outputs = 2L * 4 * 6 * 5, reduce = 3L * 3 * 3;
        FlopCounter.Start();
        var y = Ops.Conv2d(x, w);
        Assert.Equal(2 * outputs * reduce, FlopCounter.Stop());

        FlopCounter.Start();
        Ops.Sum(y, [0, 1, 2, 3]).Backward();
        Assert.Equal(2 * outputs * reduce, FlopCounter.Stop()); // the weight gradient only: x needs none
    }

    [Fact]
    public void Nothing_is_counted_unless_started()
    {
        FlopCounter.Start();
        FlopCounter.Stop();
        Ops.MatMul(Variable.Constant(Tensor.Zeros(4, 4)), Variable.Constant(Tensor.Zeros(4, 4)));
        FlopCounter.Start();
        Assert.Equal(0, FlopCounter.Stop());
    }
}
