using Flows.Data;
using Flows.IO;

namespace Flows.Tests.Facade;

/// <summary>Image folders decode exactly (PNG is lossless), get labels from subfolders, and bad folders name the file at fault.</summary>
public sealed class ImageFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flows-imagefolder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    internal static RasterImage Random(int width, int height, int channels, Rng rng)
    {
        var image = new RasterImage(width, height, channels);
        for (int i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)(rng.NextUInt64() % 256);
        }

        return image;
    }

    private string Write(string relative, RasterImage image)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        PngWriter.Save(image, path);
        return path;
    }

    [Fact]
    public void Class_subfolders_become_labels_and_grey_pixels_come_back_exactly()
    {
        var rng = new Rng(3);
        var written = new Dictionary<string, RasterImage>();
        foreach (string name in new[] { "cat/1.png", "cat/2.png", "ant/x.png", "ant/deeper/y.png", "dog/z.png" })
        {
            written[name] = Random(6, 4, 1, rng);
            Write(name, written[name]);
        }

        var (images, classes) = ImageFolder.Load(_root);
        Assert.Equal(new[] { "ant", "cat", "dog" }, classes);
        Assert.Equal(5, images.Count);
        Assert.Equal(new[] { 1, 4, 6 }, images.ImageShape);

        // Ordinal order within a class, classes in name order.
        string[] order = ["ant/deeper/y.png", "ant/x.png", "cat/1.png", "cat/2.png", "dog/z.png"];
        Assert.Equal(new byte[] { 0, 0, 1, 1, 2 }, images.Labels);
        for (int i = 0; i < order.Length; i++)
        {
            Assert.Equal(written[order[i]].Pixels, images.Image(i).ToArray());
        }
    }

    [Fact]
    public void Colour_images_are_channel_major_and_an_unlabelled_folder_has_no_labels()
    {
        var image = Random(5, 3, 3, new Rng(7));
        Write("only.png", image);
        var (images, classes) = ImageFolder.Load(_root);
        Assert.Empty(classes);
        Assert.Null(images.Labels);
        Assert.Equal(new[] { 3, 3, 5 }, images.ImageShape);
        var planes = images.Image(0);
        for (int p = 0; p < 15; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(image.Pixels[(p * 3) + c], planes[(c * 15) + p]);
            }
        }
    }

    [Fact]
    public void Bad_folders_end_with_a_message_that_names_the_file_or_the_mismatch()
    {
        var rng = new Rng(1);
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load(Path.Combine(_root, "missing")));
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root));
        Assert.Contains("No images", e.Message, StringComparison.Ordinal);

        Write("a/1.png", Random(4, 4, 1, rng));
        string other = Write("a/2.png", Random(5, 4, 1, rng));
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root));
        Assert.Contains(other, e.Message, StringComparison.Ordinal);
        Assert.Contains("5x4", e.Message, StringComparison.Ordinal);

        Write("a/2.png", Random(4, 4, 3, rng));
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root));
        Assert.Contains(other, e.Message, StringComparison.Ordinal);
        Assert.Contains("grey", e.Message, StringComparison.Ordinal);

        File.Delete(other);
        string broken = Path.Combine(_root, "a", "3.png");
        File.WriteAllBytes(broken, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root));
        Assert.Contains(broken, e.Message, StringComparison.Ordinal);
    }
}
