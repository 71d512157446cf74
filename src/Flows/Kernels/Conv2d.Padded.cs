namespace Flows.Kernels;

/// <summary>
/// The zero-bordered plane layout the window kernels read. Each plane gets a slot of
/// <see cref="Slot"/> floats: 16 zero floats, the image with <c>pad</c> zero rows and columns on every
/// side (row stride <see cref="RowStride"/>), then zeros. Output pixel (r, s) sits at span position
/// t = r·RowStride + s + padLeft, and kernel tap (u, v) reads slot[<see cref="SpanStart"/> + t + offset(u, v)].
/// The span is rounded up to whole vectors of 16; positions in the gap columns or past the last row
/// are computed but discarded (forward) or meet zeros (weight gradient), and every read stays inside
/// the plane's own slot.
/// </summary>
internal readonly struct PaddedPlanes
{
    private const int Front = 16;

    public PaddedPlanes(ConvGeometry g)
    {
        Height = g.Height;
        Width = g.Width;
        PadTop = g.PadTop;
        PadLeft = g.PadLeft;
        RowStride = g.Width + (2 * g.PadLeft);
        SpanStart = Front + (g.PadTop * RowStride);
        SpanLength = (g.Height * RowStride + 15) / 16 * 16;
        int lastRead = SpanStart + SpanLength - 1 + (g.PadTop * RowStride) + g.PadLeft;
        int imageEnd = Front + ((g.Height + (2 * g.PadTop)) * RowStride);
        Slot = (Math.Max(lastRead + 1, imageEnd) + 15) / 16 * 16;
    }

    public int Height { get; }

    public int Width { get; }

    public int PadTop { get; }

    public int PadLeft { get; }

    public int RowStride { get; }

    /// <summary>Slot offset of span position 0 (output row 0, column −padLeft).</summary>
    public int SpanStart { get; }

    /// <summary>Span positions computed per plane: Height·RowStride rounded up to a multiple of 16.</summary>
    public int SpanLength { get; }

    /// <summary>Floats per plane (a multiple of 16, so 64-byte alignment carries from plane to plane).</summary>
    public int Slot { get; }

    /// <summary>Offset of kernel tap (u, v) relative to the span position.</summary>
    public int TapOffset(int u, int v) => ((u - PadTop) * RowStride) + (v - PadLeft);

    /// <summary>Copies planes [first, first + count) of NCHW data into their zero-bordered slots.</summary>
    public unsafe void Pad(float* source, float* slots, int first, int count)
    {
        int plane = Height * Width;
        for (int q = first; q < first + count; q++)
        {
            float* slot = slots + ((long)q * Slot);
            float* src = source + ((long)q * plane);
            new Span<float>(slot, Slot).Clear();
            float* row = slot + SpanStart + PadLeft;
            for (int r = 0; r < Height; r++)
            {
                new ReadOnlySpan<float>(src + (r * Width), Width).CopyTo(new Span<float>(row + (r * RowStride), Width));
            }
        }
    }

    /// <summary>Copies the valid pixels of <paramref name="planes"/> span rows (stride <paramref name="spanStride"/>) out to NCHW planes.</summary>
    public unsafe void Unpad(float* spans, int spanStride, float* destination, int planes)
    {
        int plane = Height * Width;
        for (int q = 0; q < planes; q++)
        {
            float* src = spans + ((long)q * spanStride) + PadLeft;
            float* dst = destination + ((long)q * plane);
            for (int r = 0; r < Height; r++)
            {
                new ReadOnlySpan<float>(src + (r * RowStride), Width).CopyTo(new Span<float>(dst + (r * Width), Width));
            }
        }
    }
}
