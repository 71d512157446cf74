using Flows.IO;

namespace Flows.Tests.IO;

public class PngWriterTests
{
    [Fact]
    public void Crc32MatchesTheStandardCheckValueAndABitwiseComputation()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        var rng = new Rng(3);
        for (int n = 0; n < 300; n += 7)
        {
            var data = new byte[n];
            for (int i = 0; i < n; i++)
            {
                data[i] = (byte)rng.NextInt(256);
            }

            Assert.Equal(PngDecoder.BitwiseCrc(data), Crc32.Compute(data));
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 3, 1)]
    [InlineData(28, 28, 1)]
    [InlineData(5, 9, 3)]
    [InlineData(64, 33, 3)]
    public void PixelsSurviveAnIndependentDecode(int width, int height, int channels)
    {
        var image = new RasterImage(width, height, channels);
        var rng = new Rng((ulong)(width * 100 + height));
        for (int i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)rng.NextInt(256);
        }

        var png = PngWriter.Encode(image);
        var (w, h, c, pixels) = PngDecoder.Decode(png);
        Assert.Equal((width, height, channels), (w, h, c));
        Assert.Equal(image.Pixels, pixels);
    }

    [Fact]
    public void TheImageDataIsAZlibStreamNotRawDeflate()
    {
        var png = PngWriter.Encode(new RasterImage(4, 4, 1));
        int idat = IndexOf(png, "IDAT"u8);
        // A zlib header: CM = 8 (deflate) in the low nibble and (CMF·256 + FLG) divisible by 31.
        byte cmf = png[idat + 4], flg = png[idat + 5];
        Assert.Equal(8, cmf & 0x0F);
        Assert.Equal(0, ((cmf * 256) + flg) % 31);
    }

    [Fact]
    public void SaveReplacesAtomicallyAndLeavesNoTemporaryFile()
    {
        string dir = Directory.CreateTempSubdirectory("flows-png-").FullName;
        string path = Path.Combine(dir, "a.png");
        PngWriter.Save(new RasterImage(2, 2, 1), path);
        var image = new RasterImage(3, 2, 3);
        image.Fill(10, 20, 30);
        PngWriter.Save(image, path);
        Assert.Equal(image.Pixels, PngDecoder.Decode(File.ReadAllBytes(path)).Pixels);
        Assert.Single(Directory.GetFiles(dir));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void AFailedAtomicWriteKeepsTheOldFile()
    {
        string dir = Directory.CreateTempSubdirectory("flows-atomic-").FullName;
        string path = Path.Combine(dir, "f.txt");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
        Directory.Delete(dir, true);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
