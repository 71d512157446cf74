using Flows.Tensors;

namespace Flows.Autodiff;

public sealed partial class Variable
{
    public static Variable operator +(Variable a, Variable b) => Ops.Add(a, b);

    public static Variable operator -(Variable a, Variable b) => Ops.Sub(a, b);

    public static Variable operator *(Variable a, Variable b) => Ops.Mul(a, b);

    public static Variable operator /(Variable a, Variable b) => Ops.Div(a, b);

    public static Variable operator -(Variable a) => Ops.Neg(a);

    public static Variable operator *(Variable a, float c) => Ops.Scale(a, c);

    public static Variable operator *(float c, Variable a) => Ops.Scale(a, c);

    public static Variable operator +(Variable a, float c) => Ops.AddScalar(a, c);

    public static Variable operator -(Variable a, float c) => Ops.AddScalar(a, -c);

    public static Variable Add(Variable left, Variable right) => Ops.Add(left, right);

    public static Variable Subtract(Variable left, Variable right) => Ops.Sub(left, right);

    public static Variable Multiply(Variable left, Variable right) => Ops.Mul(left, right);

    public static Variable Divide(Variable left, Variable right) => Ops.Div(left, right);

    public static Variable Negate(Variable item) => Ops.Neg(item);

    /// <summary>A constant holding a copy of this value, cut off from the graph.</summary>
    public Variable Detach() => Constant(Value.Clone());

    public float Item()
    {
        if (Value.Length != 1)
        {
            throw new InvalidOperationException($"Item() needs a single element, got shape {Tensor.FormatShape(Shape)}.");
        }

        return Value.Span[0];
    }
}
