using Flows.Autodiff;

namespace Flows.Tests.Autodiff;

public sealed class VariableTests
{
    [Fact]
    public void Backward_of_product_sum_gives_the_other_factor()
    {
        var a = Variable.Parameter(Tensor.FromArray([1f, 2f, 3f], 3));
        var b = Variable.Parameter(Tensor.FromArray([4f, 5f, 6f], 3));
        var loss = Ops.Sum(a * b);
        loss.Backward();
        Assert.Equal(32f, loss.Item());
        Assert.Equal([4f, 5f, 6f], a.Grad!.ToArray());
        Assert.Equal([1f, 2f, 3f], b.Grad!.ToArray());
    }

    [Fact]
    public void Concat_and_Interleave_reject_an_axis_out_of_range()
    {
        var a = Variable.Constant(Tensor.Zeros(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Concat(2, a, a));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Interleave(a, a, -3));
    }

    [Fact]
    public void Backward_accumulates_over_two_calls_and_ZeroGrad_clears()
    {
        var x = Variable.Parameter(Tensor.FromArray([1f, 2f], 2));
        Ops.Sum(Ops.Square(x)).Backward();
        Ops.Sum(Ops.Square(x)).Backward();
        Assert.Equal([4f, 8f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NoGrad_records_nothing()
    {
        var x = Variable.Parameter(Tensor.FromArray([1f, 2f], 2));
        Variable y;
        using (Autograd.NoGrad())
        {
            y = Ops.Exp(x);
        }

        Assert.False(y.RequiresGrad);
        Assert.True(Autograd.IsEnabled);
    }

    [Fact]
    public void ReleaseGraph_keeps_leaves_and_releases_intermediates()
    {
        var x = Variable.Parameter(Tensor.FromArray([1f, 2f], 2));
        var h = Ops.Exp(x);
        var loss = Ops.Sum(h);
        loss.Backward();
        loss.ReleaseGraph();
        Assert.True(h.Value.IsReleased);
        Assert.False(x.Value.IsReleased);
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void Intermediate_gradients_are_freed_unless_retained()
    {
        var x = Variable.Parameter(Tensor.FromArray([1f, 2f], 2));
        var kept = Ops.Scale(x, 3f);
        kept.RetainGrad = true;
        var dropped = Ops.Scale(kept, 2f);
        Ops.Sum(dropped).Backward();
        Assert.Equal([2f, 2f], kept.Grad!.ToArray());
        Assert.Null(dropped.Grad);
        Assert.Equal([6f, 6f], x.Grad!.ToArray());
    }
}
