using Flows.Bijectors;
using Flows.Distributions;

namespace Flows.Models;

/// <summary>
/// NICE (Dinh, Krueger, Bengio 2014): the data are flattened, pass through additive couplings with
/// alternating even/odd masks and ReLU MLP conditioners, then a diagonal scaling; the prior is logistic
/// (or Gaussian). Children of the bijector chain: "0" flatten, "1".."K" couplings, "K+1" scaling.
/// </summary>
public static class Nice
{
    /// <summary>The paper's MNIST model: 4 couplings, 5 hidden layers of 1000 units, logistic prior.</summary>
    public static SingleScaleFlow Mnist(Rng rng) => Create([1, 28, 28], rng, couplings: 4, hiddenFeatures: 1000, hiddenLayers: 5);

    /// <summary>A NICE model of any size for data of shape <paramref name="dataShape"/>.</summary>
    /// <param name="dataShape">Shape of one data point, e.g. [1, 28, 28] or [2].</param>
    /// <param name="rng">Initialisation randomness.</param>
    /// <param name="couplings">Number of additive couplings (parities alternate 0, 1, 0, …).</param>
    /// <param name="hiddenFeatures">Width of each conditioner's hidden layers.</param>
    /// <param name="hiddenLayers">Number of hidden layers per conditioner.</param>
    /// <param name="logisticPrior">Logistic prior (the paper's choice for MNIST) or standard normal.</param>
    public static SingleScaleFlow Create(int[] dataShape, Rng rng, int couplings = 4, int hiddenFeatures = 1000, int hiddenLayers = 5, bool logisticPrior = true)
    {
        ArgumentNullException.ThrowIfNull(dataShape);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(couplings, 1);
        int d = Tensor.CheckedLength(dataShape);
        var steps = new List<Bijector> { new Flatten(dataShape) };
        for (int i = 0; i < couplings; i++)
        {
            steps.Add(Couplings.NiceVector(d, i % 2, hiddenFeatures, hiddenLayers, rng));
        }

        steps.Add(new DiagonalScaling(d));
        Distribution prior = logisticPrior ? new Logistic(d) : new StandardNormal(d);
        return new SingleScaleFlow(dataShape, new Chain([.. steps]), prior);
    }
}
