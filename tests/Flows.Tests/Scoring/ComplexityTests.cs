using System.Buffers.Binary;
using System.Text;
using Flows.Scoring;
using Flows.Tests.IO;

namespace Flows.Tests.Scoring;

/// <summary>The complexity codec is a real PNG codec: an independent PNG reader gets the pixels back; simple images cost fewer bits.</summary>
public sealed class ComplexityTests
{
    private static byte[] Png(byte[] idat, int channels, int height, int width)
    {
        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)(channels == 1 ? 0 : 2);
        foreach (var (type, data) in new[] { ("IHDR", header), ("IDAT", idat), ("IEND", Array.Empty<byte>()) })
        {
            var word = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
            png.Write(word);
            byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
            png.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(word, PngDecoder.BitwiseCrc(typed));
            png.Write(word);
        }

        return png.ToArray();
    }

    [Theory]
    [InlineData(1, 28, 28)]
    [InlineData(3, 9, 13)]
    public void The_compressed_stream_decodes_to_the_image(int channels, int height, int width)
    {
        var rng = new Rng(11);
        var image = new byte[channels * height * width];
        for (int i = 0; i < image.Length; i++)
        {
            // Smooth gradients plus noise, so that every filter type gets chosen somewhere.
            image[i] = (byte)(((i % width) * 7) + ((i / width) * 3) + rng.NextInt(5));
        }

        var (w, h, c, pixels) = PngDecoder.Decode(Png(Complexity.Compress(image, channels, height, width), channels, height, width));
        Assert.Equal((width, height, channels), (w, h, c));
        int plane = height * width;
        for (int p = 0; p < plane; p++)
        {
            for (int ch = 0; ch < channels; ch++)
            {
                Assert.Equal(image[(ch * plane) + p], pixels[(p * channels) + ch]);
            }
        }
    }

    [Fact]
    public void A_blank_image_costs_far_fewer_bits_than_noise()
    {
        var rng = new Rng(2);
        var noise = new byte[784];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (byte)rng.NextInt(256);
        }

        double blank = Complexity.BitsPerDim(new byte[784], 1, 28, 28);
        double random = Complexity.BitsPerDim(noise, 1, 28, 28);
        Assert.InRange(blank, 0, 0.2);
        Assert.InRange(random, 8.2, 8.5); // incompressible: 8 bits a pixel, a filter byte a row (8/28) and framing
        Assert.Throws<ArgumentException>(() => Complexity.BitsPerDim(new byte[10], 1, 28, 28));
    }
}
