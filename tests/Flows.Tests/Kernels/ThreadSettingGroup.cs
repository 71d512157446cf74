namespace Flows.Tests.Kernels;

/// <summary>
/// Tests that change the process-wide <see cref="Flows.Kernels.Parallelism.Threads"/> run in this
/// collection, alone (no other test class runs meanwhile), and restore it afterwards.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadSettingGroup
{
    public const string Name = "Parallelism.Threads";
}
