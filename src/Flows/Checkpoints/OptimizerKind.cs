namespace Flows.Checkpoints;

/// <summary>The optimizer of a training run.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba 2015), as <see cref="Optim.Adam"/>.</summary>
    Adam,

    /// <summary>Adamax, Adam's infinity-norm variant (Glow's default), as <see cref="Optim.Adamax"/>.</summary>
    Adamax,
}
