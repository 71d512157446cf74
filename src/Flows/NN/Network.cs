using Flows.Autodiff;

namespace Flows.NN;

/// <summary>A module that maps one input to one output: a coupling's conditioner (<see cref="Mlp"/>, <see cref="ResNet"/>, <see cref="GlowCouplingNetwork"/>).</summary>
public abstract class Network : Module
{
    /// <summary>The network's output for <paramref name="x"/>, recorded for gradients when autograd is on.</summary>
    public abstract Variable Forward(Variable x);
}
