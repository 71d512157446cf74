using Flows.Tensors;

namespace Flows.Autodiff;

public sealed partial class Variable
{
    /// <summary>Element-wise sum with broadcasting (<see cref="Ops.Add"/>).</summary>
    public static Variable operator +(Variable a, Variable b) => Ops.Add(a, b);

    /// <summary>Element-wise difference with broadcasting (<see cref="Ops.Sub"/>).</summary>
    public static Variable operator -(Variable a, Variable b) => Ops.Sub(a, b);

    /// <summary>Element-wise product with broadcasting (<see cref="Ops.Mul"/>).</summary>
    public static Variable operator *(Variable a, Variable b) => Ops.Mul(a, b);

    /// <summary>Element-wise quotient with broadcasting (<see cref="Ops.Div"/>).</summary>
    public static Variable operator /(Variable a, Variable b) => Ops.Div(a, b);

    /// <summary>Element-wise negation (<see cref="Ops.Neg"/>).</summary>
    public static Variable operator -(Variable a) => Ops.Neg(a);

    /// <summary>Every element times the constant <paramref name="c"/> (<see cref="Ops.Scale"/>).</summary>
    public static Variable operator *(Variable a, float c) => Ops.Scale(a, c);

    /// <summary>Every element times the constant <paramref name="c"/> (<see cref="Ops.Scale"/>).</summary>
    public static Variable operator *(float c, Variable a) => Ops.Scale(a, c);

    /// <summary>The constant <paramref name="c"/> added to every element (<see cref="Ops.AddScalar"/>).</summary>
    public static Variable operator +(Variable a, float c) => Ops.AddScalar(a, c);

    /// <summary>The constant <paramref name="c"/> subtracted from every element (<see cref="Ops.AddScalar"/>).</summary>
    public static Variable operator -(Variable a, float c) => Ops.AddScalar(a, -c);

    /// <summary>Named alternative to <c>+</c>: <see cref="Ops.Add"/>.</summary>
    public static Variable Add(Variable left, Variable right) => Ops.Add(left, right);

    /// <summary>Named alternative to binary <c>-</c>: <see cref="Ops.Sub"/>.</summary>
    public static Variable Subtract(Variable left, Variable right) => Ops.Sub(left, right);

    /// <summary>Named alternative to <c>*</c>: <see cref="Ops.Mul"/>.</summary>
    public static Variable Multiply(Variable left, Variable right) => Ops.Mul(left, right);

    /// <summary>Named alternative to <c>/</c>: <see cref="Ops.Div"/>.</summary>
    public static Variable Divide(Variable left, Variable right) => Ops.Div(left, right);

    /// <summary>Named alternative to unary <c>-</c>: <see cref="Ops.Neg"/>.</summary>
    public static Variable Negate(Variable item) => Ops.Neg(item);

    /// <summary>A constant holding a copy of this value, cut off from the graph.</summary>
    public Variable Detach() => Constant(Value.Clone());

    /// <summary>The value of a single-element variable (e.g. a scalar loss).</summary>
    /// <exception cref="InvalidOperationException">The value has more than one element.</exception>
    public float Item()
    {
        if (Value.Length != 1)
        {
            throw new InvalidOperationException($"Item() needs a single element, got shape {Tensor.FormatShape(Shape)}.");
        }

        return Value.Span[0];
    }
}
