using Flows.Data;
using Flows.Pictures;
using Flows.Tests.Training;

namespace Flows.Tests.Pictures;

public class LatentEditsTests
{
    private static ImageSplit Images(out byte[] pixels)
    {
        pixels = new byte[10 * 4];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 53) % 256);
        }

        byte[] labels = [0, 1, 1, 2, 0, 1, 2, 2, 1, 0];
        return new ImageSplit(new ImageSet(pixels, 10, 1, 2, 2, labels), new Dequantization(8));
    }

    [Fact]
    public void InterpolationRunsLinearlyFromOneEncodingToTheOther()
    {
        var split = Images(out var pixels);
        var model = new IdentityFlow(1, 2, 2);
        var a = LatentEdits.Encode(model, split, [2]);
        var b = LatentEdits.Encode(model, split, [7]);
        var path = LatentEdits.Interpolate(model, a, b, 5);
        Assert.Equal(new[] { 5, 1, 2, 2 }, path.Shape);
        for (int k = 0; k < 4; k++)
        {
            // Encodings use the bin centres: x = (pixel + ½)/256 − ½.
            double xa = ((pixels[8 + k] + 0.5) / 256) - 0.5, xb = ((pixels[28 + k] + 0.5) / 256) - 0.5;
            for (int s = 0; s < 5; s++)
            {
                Assert.Equal(xa + ((xb - xa) * s / 4), path.Span[(s * 4) + k], 6);
            }
        }
    }

    [Fact]
    public void TheAttributeDirectionIsTheDifferenceOfClassMeans()
    {
        var split = Images(out var pixels);
        var model = new IdentityFlow(1, 2, 2);
        var direction = LatentEdits.AttributeDirection(model, split, label: 1, count: 10, batchSize: 3);
        int[] with = [1, 2, 5, 8];
        for (int k = 0; k < 4; k++)
        {
            double sumWith = 0, sumWithout = 0;
            for (int i = 0; i < 10; i++)
            {
                double x = ((pixels[(i * 4) + k] + 0.5) / 256) - 0.5;
                if (with.Contains(i))
                {
                    sumWith += x;
                }
                else
                {
                    sumWithout += x;
                }
            }

            Assert.Equal((sumWith / 4) - (sumWithout / 6), direction[0].Span[k], 6);
        }

        var z = LatentEdits.Encode(model, split, [0, 3]);
        var edited = LatentEdits.Manipulate(model, z, direction, [0f, 2f]);
        Assert.Equal(new[] { 4, 1, 2, 2 }, edited.Shape);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(z[0].Span[k], edited.Span[k]); // strength 0 of image 0
            Assert.Equal(z[0].Span[4 + k] + (2 * direction[0].Span[k]), edited.Span[12 + k], 6); // strength 2 of image 3
        }
    }

    [Fact]
    public void ALabelThatNeverOccursIsAClearError()
    {
        var split = Images(out _);
        var e = Assert.Throws<ArgumentException>(() => LatentEdits.AttributeDirection(new IdentityFlow(1, 2, 2), split, 7, 10));
        Assert.Contains("Label 7", e.Message);
    }
}
