using Flows.Autodiff;
using Flows.Distributions;
using Flows.Models;

namespace Flows.Tests.Training;

/// <summary>z = x with a standard normal prior: a flow whose latents and density are known in closed form.</summary>
internal sealed class IdentityFlow : FlowModel
{
    private readonly int[] _shape;
    private readonly StandardNormal _prior;

    public IdentityFlow(params int[] shape)
    {
        _shape = shape;
        _prior = new StandardNormal(shape);
    }

    public override int[] DataShape => (int[])_shape.Clone();

    public override Variable LogProb(Variable x) => _prior.LogProb(x);

    public override IReadOnlyList<Tensor> Encode(Tensor x) => [x.Clone()];

    public override Tensor Decode(IReadOnlyList<Tensor> latents) => latents[0].Clone();

    public override Tensor Sample(int n, float temperature, Rng rng) => _prior.Sample(n, temperature, rng);
}
