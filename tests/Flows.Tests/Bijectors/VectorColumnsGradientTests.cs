using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Tests.Autodiff;

namespace Flows.Tests.Bijectors;

public sealed class VectorColumnsGradientTests
{
    [Fact]
    public void Gather_and_merge_pass_the_gradient_check()
    {
        var rng = new Rng(101);
        var x = BijectorContract.RandomInput(rng, 3, 5);
        GradientCheck.Assert(v => VectorColumns.Gather(v[0], [4, 1, 3]), x);

        var a = BijectorContract.RandomInput(rng, 3, 2);
        var b = BijectorContract.RandomInput(rng, 3, 3);
        GradientCheck.Assert(v => VectorColumns.Merge(v[0], [3, 0], v[1], [1, 4, 2]), a, b);
    }

    [Fact]
    public void Merge_places_columns_and_gather_reads_them_back()
    {
        var a = Variable.Constant(Tensor.FromArray([1f, 2f, 10f, 20f], 2, 2));
        var b = Variable.Constant(Tensor.FromArray([3f, 30f], 2, 1));
        var y = VectorColumns.Merge(a, [2, 0], b, [1]);
        Assert.Equal([2f, 3f, 1f, 20f, 30f, 10f], y.Value.ToArray());
        Assert.Equal([1f, 2f, 10f, 20f], VectorColumns.Gather(y, [2, 0]).Value.ToArray());
    }
}
