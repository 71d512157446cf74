using Flows.Autodiff;
using Flows.Bijectors;
using Flows.NN;
using Flows.Tests.Models;

namespace Flows.Tests.Bijectors;

/// <summary>
/// One coupling, composed: every split with every transform satisfies the bijector contract (brute-force
/// log-det, round trip, finite outputs), including pairings no model of the papers uses, and the parameter
/// names are the ones checkpoints have always had.
/// </summary>
public sealed class CouplingCompositionTests
{
    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string split in (string[])["channel-halves", "parity-columns", "checkerboard", "channel-mask"])
        {
            foreach (string transform in (string[])["additive", "sigmoid-affine", "tanh-affine"])
            {
                data.Add(split, transform);
            }
        }

        return data;
    }

    private static (Coupling Coupling, Tensor Input) Build(string split, string transform, Rng rng)
    {
        CouplingSplit s;
        int transformedElements;
        Func<int, Network> network;
        int[] shape;
        switch (split)
        {
            case "channel-halves":
                var halves = new ChannelHalves(5);
                s = halves;
                shape = [2, 5, 3, 3];
                transformedElements = halves.TransformedChannels;
                network = outputs => new GlowCouplingNetwork(halves.KeptChannels, outputs, 6, rng);
                break;
            case "parity-columns":
                var columns = new ParityColumns(5, 1);
                s = columns;
                shape = [3, 5];
                transformedElements = columns.TransformedCount;
                network = outputs => new Mlp(columns.KeptCount, 8, outputs, 2, rng);
                break;
            default:
                s = new BinaryMask([2, 4, 3], split == "checkerboard" ? CouplingMask.Checkerboard : CouplingMask.ChannelWise, 1);
                shape = [2, 2, 4, 3];
                transformedElements = 2;
                network = outputs => new ResNet(2, outputs, 6, 1, rng, ResNetNormalization.Weight);
                break;
        }

        CouplingTransform t = transform switch
        {
            "additive" => new AdditiveTransform(),
            "sigmoid-affine" => new SigmoidAffineTransform(0.01f),
            _ => new TanhAffineTransform(s is ParityColumns ? [transformedElements] : [1, shape[1] - (s is ChannelHalves ? shape[1] / 2 : 0), 1, 1]),
        };
        var coupling = new Coupling(s, network(t.OutputsPerElement * transformedElements), t);
        return (coupling, BijectorContract.RandomInput(rng, shape));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Every_split_with_every_transform_satisfies_the_contract_and_moves_only_the_transformed_part(string split, string transform)
    {
        var rng = new Rng(77);
        var (coupling, x) = Build(split, transform, rng);
        TwoDTraining.Randomize(coupling, rng, 0.3f);
        BijectorContract.Check(coupling, x, largeScale: transform == "sigmoid-affine" ? 0 : 50f);

        // The kept part comes out bit for bit; the transformed part moves.
        var z = coupling.Forward(Variable.Constant(x)).Z.Value;
        var keptIn = coupling.Split.Kept(Variable.Constant(x)).Value.ToArray();
        var keptOut = coupling.Split.Kept(Variable.Constant(z)).Value.ToArray();
        Assert.Equal(keptIn, keptOut);
        Assert.NotEqual(x.ToArray(), z.ToArray());
    }

    [Fact]
    public void Parameter_and_buffer_names_are_those_checkpoints_have_always_had()
    {
        // As read from zoo/glow-mnist and from checkpoints written before couplings were composed (7 Dec).
        var rng = new Rng(1);
        Assert.Equal(
            ["conv1.weight", "actnorm1.loc", "actnorm1.logs", "conv2.weight", "actnorm2.loc", "actnorm2.logs", "zeroconv.weight", "zeroconv.bias", "zeroconv.scale", "actnorm1.initialized", "actnorm2.initialized"],
            Names(Couplings.GlowAffine(4, 8, rng)));
        Assert.Equal(["scale", "net.layer0.weight", "net.layer0.bias", "net.layer1.weight", "net.layer1.bias", "net.layer2.weight", "net.layer2.bias"],
            Names(Couplings.RealNvpVector(4, 0, 8, 2, rng)));
        Assert.Equal(["net.layer0.weight", "net.layer0.bias", "net.layer1.weight", "net.layer1.bias", "net.layer2.weight", "net.layer2.bias"],
            Names(Couplings.NiceVector(4, 0, 8, 2, rng)));
        Assert.Equal(["scale", "net.input.direction", "net.input.gain", "net.input.bias"],
            Names(Couplings.RealNvpImage([2, 4, 4], CouplingMask.Checkerboard, 0, 4, 1, rng, ResNetNormalization.BatchAndWeight))[..4]);
    }

    private static string[] Names(Coupling coupling)
        => [.. coupling.NamedParameters().Select(p => p.Name), .. coupling.NamedBuffers().Select(b => b.Name)];
}
