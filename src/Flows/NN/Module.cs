using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// A container of named parameters, buffers and child modules. Names are dotted paths
/// (<c>level0.step3.coupling.conv1.weight</c>), which checkpoints use as keys.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Module is the established name in every neural-network library; VB consumers can qualify it.")]
public abstract class Module
{
    private readonly List<(string Name, Variable Value)> _parameters = [];
    private readonly List<(string Name, Tensor Value)> _buffers = [];
    private readonly List<(string Name, Module Value)> _children = [];
    private bool _training = true;

    /// <summary>Training mode (batch statistics, data-dependent init) versus evaluation; applies to children.</summary>
    public bool Training
    {
        get => _training;
        set
        {
            _training = value;
            foreach (var (_, child) in _children)
            {
                child.Training = value;
            }
        }
    }

    /// <summary>Every trainable parameter, depth first, with its dotted name.</summary>
    public IEnumerable<(string Name, Variable Value)> NamedParameters()
    {
        foreach (var p in _parameters)
        {
            yield return p;
        }

        foreach (var (prefix, child) in _children)
        {
            foreach (var (name, value) in child.NamedParameters())
            {
                yield return (prefix.Length == 0 ? name : $"{prefix}.{name}", value);
            }
        }
    }

    /// <summary>Non-trainable state saved with the model (running averages, init flags), with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedBuffers()
    {
        foreach (var b in _buffers)
        {
            yield return b;
        }

        foreach (var (prefix, child) in _children)
        {
            foreach (var (name, value) in child.NamedBuffers())
            {
                yield return (prefix.Length == 0 ? name : $"{prefix}.{name}", value);
            }
        }
    }

    /// <summary>This module and every module below it, depth first, with dotted paths ("" for this one; an inlined child shares its parent's path).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        yield return (string.Empty, this);
        foreach (var (prefix, child) in _children)
        {
            foreach (var (name, module) in child.NamedModules())
            {
                yield return (prefix.Length == 0 ? name : name.Length == 0 ? prefix : $"{prefix}.{name}", module);
            }
        }
    }

    /// <summary>Every trainable parameter, depth first, in the order of <see cref="NamedParameters"/>.</summary>
    public IEnumerable<Variable> Parameters()
    {
        foreach (var (_, p) in NamedParameters())
        {
            yield return p;
        }
    }

    /// <summary>Total number of trainable scalars.</summary>
    public long ParameterCount()
    {
        long n = 0;
        foreach (var p in Parameters())
        {
            n += p.Value.Length;
        }

        return n;
    }

    /// <summary>Drops the gradient of every parameter (before the next backward).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Registers <paramref name="value"/> (not copied) as a trainable parameter named <paramref name="name"/> and returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected Variable AddParameter(string name, Tensor value)
    {
        var p = Variable.Parameter(value);
        _parameters.Add((CheckName(name), p));
        return p;
    }

    /// <summary>Registers <paramref name="value"/> (not copied) as a buffer named <paramref name="name"/>, saved with the model but not trained; returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected Tensor AddBuffer(string name, Tensor value)
    {
        _buffers.Add((CheckName(name), value));
        return value;
    }

    /// <summary>Registers <paramref name="module"/> as a child named <paramref name="name"/> (its names get the prefix "name."), sets its training mode to this one's and returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected T AddModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        _children.Add((CheckName(name), module));
        module.Training = _training;
        return module;
    }

    /// <summary>
    /// Adds <paramref name="module"/> as a child whose parameters and buffers keep their own names, without a
    /// prefix (a coupling's network layers are "conv1", "zeroconv", … directly under the coupling). Its names must
    /// not collide with this module's.
    /// </summary>
    protected T AddInlineModule<T>(T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        var mine = NamedParameters().Select(p => p.Name).Concat(NamedBuffers().Select(b => b.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (string name in module.NamedParameters().Select(p => p.Name).Concat(module.NamedBuffers().Select(b => b.Name)))
        {
            if (!mine.Add(name))
            {
                throw new ArgumentException($"'{name}' of the inlined {module.GetType().Name} is already a name of this {GetType().Name}.", nameof(module));
            }
        }

        _children.Add((string.Empty, module));
        module.Training = _training;
        return module;
    }

    private string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Name '{name}' must not contain '.'; nest modules instead.", nameof(name));
        }

        foreach (var (n, _) in _parameters)
        {
            ThrowIfSame(n, name);
        }

        foreach (var (n, _) in _buffers)
        {
            ThrowIfSame(n, name);
        }

        foreach (var (n, _) in _children)
        {
            ThrowIfSame(n, name);
        }

        return name;
    }

    private void ThrowIfSame(string existing, string name)
    {
        if (existing == name)
        {
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'.", nameof(name));
        }
    }
}
