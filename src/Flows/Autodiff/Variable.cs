using System.Numerics.Tensors;
using Flows.Tensors;

namespace Flows.Autodiff;

/// <summary>
/// A node of the define-by-run graph: a value, the nodes it was computed from, and the function that
/// sends its gradient to them. Leaves are parameters (<see cref="RequiresGrad"/>) and constants.
/// </summary>
public sealed partial class Variable
{
    private static readonly Variable[] NoParents = [];
    private Variable[] _parents;
    private Action<Tensor>? _backward;

    /// <summary>A leaf holding <paramref name="value"/> (not copied).</summary>
    public Variable(Tensor value, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        RequiresGrad = requiresGrad;
        _parents = NoParents;
    }

    private Variable(Tensor value, Variable[] parents, Action<Tensor> backward)
    {
        Value = value;
        RequiresGrad = true;
        _parents = parents;
        _backward = backward;
        IsLeaf = false;
    }

    /// <summary>The tensor this node holds (not a copy).</summary>
    public Tensor Value { get; private set; }

    /// <summary>The accumulated gradient of the last <see cref="Backward()"/>; null when none reached this node.</summary>
    public Tensor? Grad { get; private set; }

    /// <summary>True for parameters and for every node computed from one while recording.</summary>
    public bool RequiresGrad { get; }

    /// <summary>True for nodes created directly rather than by an operation.</summary>
    public bool IsLeaf { get; } = true;

    /// <summary>Keep this non-leaf node's gradient after backward (it is freed by default).</summary>
    public bool RetainGrad { get; set; }

    /// <summary>The shape of <see cref="Value"/>.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>A leaf that takes no gradient, holding <paramref name="value"/> (not copied).</summary>
    public static Variable Constant(Tensor value) => new(value, requiresGrad: false);

    /// <summary>A trainable leaf (<see cref="RequiresGrad"/>) holding <paramref name="value"/> (not copied).</summary>
    public static Variable Parameter(Tensor value) => new(value, requiresGrad: true);

    /// <summary>
    /// The result of an operation. <paramref name="backward"/> receives this node's gradient and must call
    /// <see cref="AccumulateGrad"/> or <see cref="AccumulateGradOwned"/> on those parents that
    /// <see cref="RequiresGrad"/>. When recording is off or no parent needs a gradient, returns a constant.
    /// </summary>
    public static Variable FromOp(Tensor value, Variable[] parents, Action<Tensor> backward)
    {
        ArgumentNullException.ThrowIfNull(parents);
        if (!Autograd.IsEnabled || !AnyRequiresGrad(parents))
        {
            return Constant(value);
        }

        return new Variable(value, parents, backward);
    }

    /// <summary>Adds a copy of <paramref name="grad"/> into this node's gradient.</summary>
    public void AccumulateGrad(Tensor grad)
    {
        ArgumentNullException.ThrowIfNull(grad);
        CheckGradShape(grad);
        if (Grad is null)
        {
            Grad = grad.Clone();
        }
        else
        {
            TensorPrimitives.Add(Grad.Span, grad.Span, Grad.Span);
        }
    }

    /// <summary>Adds <paramref name="grad"/> into this node's gradient, taking ownership of it.</summary>
    public void AccumulateGradOwned(Tensor grad)
    {
        ArgumentNullException.ThrowIfNull(grad);
        CheckGradShape(grad);
        if (Grad is null)
        {
            Grad = grad;
        }
        else
        {
            TensorPrimitives.Add(Grad.Span, grad.Span, Grad.Span);
            grad.Release();
        }
    }

    /// <summary>Back-propagates from this scalar node (seed 1).</summary>
    public void Backward()
    {
        if (Value.Length != 1)
        {
            throw new InvalidOperationException($"Backward() without a seed needs a single-element value, got shape {Tensor.FormatShape(Shape)}.");
        }

        Backward(Tensor.Full(1f, Shape));
    }

    /// <summary>Back-propagates <paramref name="seed"/> (same shape as the value) through the graph.</summary>
    public void Backward(Tensor seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        AccumulateGrad(seed);
        var order = TopologicalOrder();
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node._backward is null || node.Grad is null)
            {
                continue;
            }

            node._backward(node.Grad);
            if (!node.RetainGrad)
            {
                node.Grad.Release();
                node.Grad = null;
            }
        }
    }

    /// <summary>Drops the gradient of this node (parameters: before the next step).</summary>
    public void ZeroGrad()
    {
        Grad?.Release();
        Grad = null;
    }

    /// <summary>
    /// Returns the storage of every non-leaf node reachable from here (this one included) to the pool and
    /// cuts the graph. Those nodes' values must not be used afterwards; leaves are untouched.
    /// </summary>
    public void ReleaseGraph()
    {
        foreach (var node in TopologicalOrder())
        {
            if (node.IsLeaf)
            {
                continue;
            }

            node.Value.Release();
            node.Grad?.Release();
            node.Grad = null;
            node._parents = NoParents;
            node._backward = null;
        }
    }

    /// <summary>The shape, and "(grad)" when the node requires a gradient, e.g. <c>Variable[2, 3] (grad)</c>.</summary>
    public override string ToString() => $"Variable{Tensor.FormatShape(Shape)}{(RequiresGrad ? " (grad)" : string.Empty)}";

    private List<Variable> TopologicalOrder()
    {
        var order = new List<Variable>();
        var visited = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Variable Node, int Next)>();
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                var parent = node._parents[next];
                if (visited.Add(parent))
                {
                    stack.Push((parent, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }

        return order;
    }

    private static bool AnyRequiresGrad(Variable[] parents)
    {
        foreach (var p in parents)
        {
            if (p.RequiresGrad)
            {
                return true;
            }
        }

        return false;
    }

    private void CheckGradShape(Tensor grad)
    {
        if (grad.Length != Value.Length)
        {
            throw new ArgumentException($"Gradient of shape {Tensor.FormatShape(grad.Shape)} for a value of shape {Tensor.FormatShape(Shape)}.", nameof(grad));
        }
    }
}
