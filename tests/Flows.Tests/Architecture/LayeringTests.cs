using System.Reflection;
using System.Reflection.Emit;

namespace Flows.Tests.Architecture;

/// <summary>
/// The library's namespaces form layers that only point down: every type's signatures and method bodies
/// (each IL token resolved to its declaring type) may use its own namespace and the ones below it, never one
/// above. The order is the README's layout, bottom first.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom first; the root namespace <c>Flows</c> is the façade, on top.</summary>
    private static readonly string[] Layers =
        ["Kernels", "Tensors", "Autodiff", "NN", "Optim", "Distributions", "Bijectors", "Models", "IO", "Data", "Distributed", "Pictures", "Checkpoints", "Training", "Scoring", ""];

    /// <summary>
    /// Root-namespace types that belong to the bottom layer: users meet them without importing an engine
    /// namespace (as <c>System.Random</c> sits in <c>System</c>), and every layer may use them. They may use
    /// nothing of ours themselves.
    /// </summary>
    private static readonly Type[] Foundation = [typeof(Rng)];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static int Layer(Type type) => Foundation.Contains(type) ? 0 : Layer(type.Namespace);

    private static int Layer(string? ns)
    {
        if (ns is null || (ns != "Flows" && !ns.StartsWith("Flows.", StringComparison.Ordinal)))
        {
            return -1; // not ours: the BCL, packages
        }

        string sub = ns == "Flows" ? "" : ns["Flows.".Length..].Split('.')[0];
        int i = Array.IndexOf(Layers, sub);
        Assert.True(i >= 0, $"Namespace {ns} has no place in the layer list; add it where it belongs.");
        return i;
    }

    private static IEnumerable<Type> Used(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } b)
        {
            yield return b;
        }

        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var f in type.GetFields(all))
        {
            yield return f.FieldType;
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo m)
            {
                yield return m.ReturnType;
            }

            foreach (var p in method.GetParameters())
            {
                yield return p.ParameterType;
            }

            var body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                yield return local.LocalType;
            }

            foreach (var t in TokensOf(method, body.GetILAsByteArray()!))
            {
                yield return t;
            }
        }
    }

    /// <summary>The declaring types of every member and type an IL body refers to.</summary>
    private static IEnumerable<Type> TokensOf(MethodBase method, byte[] il)
    {
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int pos = 0;
        while (pos < il.Length)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            var op = OpCodesByValue[value];
            pos += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, pos)),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var member = module.ResolveMember(BitConverter.ToInt32(il, pos), typeArgs, methodArgs);
                if (member is Type t)
                {
                    yield return t;
                }
                else if (member?.DeclaringType is { } declaring)
                {
                    yield return declaring;
                }
            }

            pos += operand;
        }
    }

    private static IEnumerable<Type> Expand(Type t)
    {
        if (t.HasElementType)
        {
            foreach (var e in Expand(t.GetElementType()!))
            {
                yield return e;
            }

            yield break;
        }

        yield return t;
        if (t.IsGenericType)
        {
            foreach (var a in t.GetGenericArguments().Where(a => !a.IsGenericParameter).SelectMany(Expand))
            {
                yield return a;
            }
        }
    }

    [Fact]
    public void No_namespace_of_the_library_uses_one_above_it()
    {
        var assembly = typeof(Flow).Assembly;
        var upward = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            int own = Layer(type);
            if (own < 0)
            {
                continue;
            }

            foreach (var used in Used(type).SelectMany(Expand))
            {
                int layer = Layer(used);
                if (layer > own)
                {
                    upward.Add($"{type.Namespace}.{type.Name} uses {used.Namespace}.{used.Name}");
                }
            }
        }

        Assert.True(upward.Count == 0, "Upward references:\n" + string.Join("\n", upward));
    }
}
