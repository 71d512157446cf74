using SkiaSharp;

namespace Flows.Data;

/// <summary>
/// A folder of images as an <see cref="ImageSet"/>, as torchvision's ImageFolder: the images of each
/// subfolder get that subfolder's label (subfolders in ordinal name order), or, when the folder holds the
/// images itself, none. Decoding is SkiaSharp's (PNG, JPEG, BMP, GIF, WebP). Every image must have the size
/// of the first; grey images give one channel, colour images three (alpha is dropped), and a folder must
/// not mix them. Files in a deterministic order (ordinal path order), so the same folder gives the same set.
/// </summary>
public static class ImageFolder
{
    /// <summary>The file name extensions read (case-insensitive); other files are skipped.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Reads every image under <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No image, a file that does not decode, or images that differ in size or colour; the message names the file.</exception>
    public static (ImageSet Images, string[] ClassNames) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"No folder {folder}.");
        }

        var own = ImagesIn(folder);
        var byClass = Directory.GetDirectories(folder)
            .Select(d => (Name: Path.GetFileName(d), Files: ImagesIn(d, recursive: true)))
            .Where(c => c.Files.Length > 0)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToArray();
        string[] classes = [.. byClass.Select(c => c.Name)];
        if (own.Length > 0 && classes.Length > 0)
        {
            throw new InvalidDataException($"{folder} holds images both directly ({Path.GetFileName(own[0])}) and in subfolders ({classes[0]}/); put every image in a class subfolder, or none.");
        }

        if (classes.Length > 255)
        {
            throw new InvalidDataException($"{folder} has {classes.Length} class subfolders; at most 255 are supported.");
        }

        var files = classes.Length == 0
            ? own.Select(f => (Path: f, Label: (byte)0)).ToList()
            : byClass.SelectMany((c, label) => c.Files.Select(f => (Path: f, Label: (byte)label))).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"No images ({string.Join(", ", Extensions)}) in {folder}.");
        }

        var first = Decode(files[0].Path);
        int channels = first.Channels, height = first.Height, width = first.Width;
        int size = channels * height * width;
        var pixels = new byte[checked(files.Count * size)];
        first.Pixels.CopyTo(pixels, 0);
        for (int i = 1; i < files.Count; i++)
        {
            var image = Decode(files[i].Path);
            if (image.Height != height || image.Width != width)
            {
                throw new InvalidDataException($"{files[i].Path} is {image.Width}x{image.Height}, but {files[0].Path} is {width}x{height}; every image of a folder must have the same size.");
            }

            if (image.Channels != channels)
            {
                throw new InvalidDataException($"{files[i].Path} is {Describe(image.Channels)}, but {files[0].Path} is {Describe(channels)}; a folder must not mix grey and colour images.");
            }

            image.Pixels.CopyTo(pixels, i * size);
        }

        byte[]? labels = classes.Length > 0 ? [.. files.Select(f => f.Label)] : null;
        return (new ImageSet(pixels, files.Count, channels, height, width, labels), classes);
    }

    private static string Describe(int channels) => channels == 1 ? "grey" : "colour";

    private static string[] ImagesIn(string folder, bool recursive = false)
        => [.. Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];

    /// <summary>One image as channel-major bytes ([C, H, W]), grey when the file is grey.</summary>
    private static (byte[] Pixels, int Channels, int Height, int Width) Decode(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"{path} is not an image SkiaSharp can decode (corrupt or of another format).");
        var info = codec.Info;
        bool grey = info.ColorType == SKColorType.Gray8;
        var target = new SKImageInfo(info.Width, info.Height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException($"{path} does not decode ({result}): the file is damaged or truncated.");
        }

        var raw = bitmap.GetPixelSpan();
        int h = info.Height, w = info.Width, plane = h * w;
        if (grey)
        {
            var pixels = new byte[plane];
            for (int y = 0; y < h; y++)
            {
                raw.Slice(y * bitmap.RowBytes, w).CopyTo(pixels.AsSpan(y * w, w));
            }

            return (pixels, 1, h, w);
        }

        var rgb = new byte[3 * plane];
        for (int y = 0; y < h; y++)
        {
            var row = raw.Slice(y * bitmap.RowBytes, 4 * w);
            for (int x = 0; x < w; x++)
            {
                rgb[(y * w) + x] = row[4 * x];
                rgb[plane + (y * w) + x] = row[(4 * x) + 1];
                rgb[(2 * plane) + (y * w) + x] = row[(4 * x) + 2];
            }
        }

        return (rgb, 3, h, w);
    }
}
