using System.Numerics.Tensors;
using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>y = −x.</summary>
    public static Variable Neg(Variable x) => Scale(x, -1f);

    /// <summary>y = c·x.</summary>
    public static Variable Scale(Variable x, float c)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Multiply(x.Value.Span, c, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            TensorPrimitives.Multiply(g.Span, c, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = x + c.</summary>
    public static Variable AddScalar(Variable x, float c)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Add(x.Value.Span, c, y.Span);
        return Variable.FromOp(y, [x], x.AccumulateGrad);
    }

    /// <summary>y = exp(x); dy/dx = y.</summary>
    public static Variable Exp(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Exp(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g => x.AccumulateGradOwned(Product(g, y)));
    }

    /// <summary>y = ln(x); dy/dx = 1/x.</summary>
    public static Variable Log(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Log(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            TensorPrimitives.Divide(g.Span, x.Value.Span, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = x²; dy/dx = 2x.</summary>
    public static Variable Square(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Multiply(x.Value.Span, x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Product(g, x.Value);
            TensorPrimitives.Multiply(gx.Span, 2f, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = √x; dy/dx = 1/(2y).</summary>
    public static Variable Sqrt(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Sqrt(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            TensorPrimitives.Divide(g.Span, y.Span, gx.Span);
            TensorPrimitives.Multiply(gx.Span, 0.5f, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = σ(x) = 1/(1+e^−x); dy/dx = y(1−y).</summary>
    public static Variable Sigmoid(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Sigmoid(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            var gs = gx.Span;
            var ys = y.Span;
            var gv = g.Span;
            for (int i = 0; i < gs.Length; i++)
            {
                gs[i] = gv[i] * ys[i] * (1f - ys[i]);
            }

            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = tanh(x); dy/dx = 1 − y².</summary>
    public static Variable Tanh(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Tanh(x.Value.Span, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            var gs = gx.Span;
            var ys = y.Span;
            var gv = g.Span;
            for (int i = 0; i < gs.Length; i++)
            {
                gs[i] = gv[i] * (1f - (ys[i] * ys[i]));
            }

            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = max(x, 0).</summary>
    public static Variable Relu(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Max(x.Value.Span, 0f, y.Span);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            Elementwise.ReluBackward(x.Value.Span, g.Span, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>
    /// y = ln(1 + eˣ), evaluated as max(x, 0) + ln(1 + e^−|x|) so it neither overflows nor loses
    /// precision for large |x|; dy/dx = σ(x). A primitive rather than a composition for that stability.
    /// </summary>
    public static Variable Softplus(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        SoftplusInto(x.Value.Span, y.Span, negate: false);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            TensorPrimitives.Sigmoid(x.Value.Span, gx.Span);
            TensorPrimitives.Multiply(gx.Span, g.Span, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>y = ln σ(x) = −softplus(−x); dy/dx = σ(−x) = 1 − σ(x). Stable for large |x|.</summary>
    public static Variable LogSigmoid(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Uninitialized(x.Shape);
        SoftplusInto(x.Value.Span, y.Span, negate: true);
        return Variable.FromOp(y, [x], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            TensorPrimitives.Negate(x.Value.Span, gx.Span);
            TensorPrimitives.Sigmoid(gx.Span, gx.Span);
            TensorPrimitives.Multiply(gx.Span, g.Span, gx.Span);
            x.AccumulateGradOwned(gx);
        });
    }

    /// <summary>
    /// The scalar reference for <see cref="SoftplusInto"/>, in double. ln(1 + e) for e = e^−|x| uses the series
    /// e − e²/2 + e³/3 below 1e-5, where 1 + e would lose e's digits even in double (for x &lt; −37, 1 + e = 1).
    /// </summary>
    internal static float StableSoftplus(float x)
    {
        double e = Math.Exp(-Math.Abs((double)x));
        double log1p = e < 1e-5 ? e * (1 - (e * (0.5 - (e / 3)))) : Math.Log(1.0 + e);
        return (float)(Math.Max(x, 0.0) + log1p);
    }

    private static Tensor Product(Tensor a, Tensor b)
    {
        var r = Tensor.Uninitialized(a.Shape);
        TensorPrimitives.Multiply(a.Span, b.Span, r.Span);
        return r;
    }
}
