using Flows.Autodiff;
using Flows.Tensors;

namespace Flows.Tests.Autodiff;

/// <summary>The gradient check must fail on deliberately wrong backwards, or it proves nothing.</summary>
public sealed class GradientCheckSensitivityTests
{
    [Fact]
    public void Exp_whose_backward_forgets_the_factor_y_fails()
    {
        var report = GradientCheck.Run(v => WrongExp(v[0], factor: 0f), [OpsGradientTests.Normal(1, 3, 4)]);
        Assert.False(report.Passed, report.Details);
    }

    [Fact]
    public void Exp_whose_backward_is_off_by_one_percent_fails()
    {
        var report = GradientCheck.Run(v => WrongExp(v[0], factor: 1.01f), [OpsGradientTests.Normal(2, 3, 4)]);
        Assert.False(report.Passed, report.Details);
    }

    [Fact]
    public void Correct_custom_exp_passes()
    {
        var report = GradientCheck.Run(v => WrongExp(v[0], factor: 1f), [OpsGradientTests.Normal(3, 3, 4)]);
        Assert.True(report.Passed, report.Details);
    }

    [Fact]
    public void Backward_that_misses_one_element_fails()
    {
        var report = GradientCheck.Run(v => DropsLastElement(v[0]), [OpsGradientTests.Normal(4, 3, 4)]);
        Assert.False(report.Passed, report.Details);
    }

    [Fact]
    public void Backward_that_skips_an_input_when_alone_fails()
    {
        // Correct when both inputs are parameters, wrong when only b is: caught by the per-input pass.
        var report = GradientCheck.Run(v => MulSkippingBAlone(v[0], v[1]), [OpsGradientTests.Normal(5, 4), OpsGradientTests.Normal(6, 4)]);
        Assert.False(report.Passed, report.Details);
    }

    [Fact]
    public void Parameter_check_fails_on_a_wrong_backward_and_passes_on_the_right_one()
    {
        var w = Variable.Parameter(OpsGradientTests.Normal(7, 2, 3));
        var x = Variable.Constant(OpsGradientTests.Normal(8, 4, 3));
        var wrong = GradientCheck.RunParameters(() => Ops.MatMul(x, WrongExp(w, factor: 1.02f), transposeB: true), [w]);
        Assert.False(wrong.Passed, wrong.Details);
        var right = GradientCheck.RunParameters(() => Ops.MatMul(x, WrongExp(w, factor: 1f), transposeB: true), [w]);
        Assert.True(right.Passed, right.Details);
    }

    // factor 1: correct (g·y); factor 0: forgets y (g); otherwise g·y·factor.
    private static Variable WrongExp(Variable x, float factor)
    {
        var y = Tensor.Uninitialized(x.Shape);
        System.Numerics.Tensors.TensorPrimitives.Exp(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = g.Clone();
            if (factor != 0f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(gx.Span, y.Span, gx.Span);
                System.Numerics.Tensors.TensorPrimitives.Multiply(gx.Span, factor, gx.Span);
            }

            x.AccumulateGradOwned(gx);
        });
    }

    private static Variable DropsLastElement(Variable x)
    {
        var y = Tensor.Uninitialized(x.Shape);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Value.Span, 3f, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = g.Clone();
            System.Numerics.Tensors.TensorPrimitives.Multiply(gx.Span, 3f, gx.Span);
            gx.Span[^1] = 0f;
            x.AccumulateGradOwned(gx);
        });
    }

    private static Variable MulSkippingBAlone(Variable a, Variable b)
    {
        var y = Tensor.Uninitialized(a.Shape);
        System.Numerics.Tensors.TensorPrimitives.Multiply(a.Value.Span, b.Value.Span, y.Span);
        return Variable.FromOp(y, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                var ga = Tensor.Uninitialized(a.Shape);
                System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, b.Value.Span, ga.Span);
                a.AccumulateGradOwned(ga);
                var gb = Tensor.Uninitialized(b.Shape);
                System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, a.Value.Span, gb.Span);
                b.AccumulateGradOwned(gb);
            }
        });
    }
}
