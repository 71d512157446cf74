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
}
