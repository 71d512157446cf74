using System.Buffers;
using System.Runtime.Intrinsics;

namespace Flows.Kernels;

internal static partial class Conv2d
{
    /// <summary>Depth (kernel taps × channels) per pass over a window tile, as in <see cref="Gemm"/>.</summary>
    private const int WindowKC = 256;

    /// <summary>
    /// y[n] = W·X_n over padded planes: A is the weight packed into MR-row slivers once per call; B row
    /// (ci, u, v) is the window of plane ci shifted by tap (u, v), read in place by the window
    /// micro-kernels, 32 (or 16) span positions at a time. Images run in parallel, each computed alone,
    /// so bits do not depend on the thread count.
    /// </summary>
    private static unsafe void WindowConvolve(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, bool allowDirect)
    {
        if (allowDirect && UsesDirect(g))
        {
            DirectConvolve(g, x, w, y);
            return;
        }

        if (allowDirect && UsesTapRows(g))
        {
            TapRowsConvolve(g, x, w, y);
            return;
        }

        var layout = new PaddedPlanes(g);
        const int mr = Gemm.Avx512MR;
        int k = g.PatchLength, co = g.OutChannels, ci = g.InChannels, span = layout.SpanLength;
        int rowsPadded = (co + mr - 1) / mr * mr;
        float[] packed = ArrayPool<float>.Shared.Rent((rowsPadded * k) + 16);
        int[] offsets = ArrayPool<int>.Shared.Rent(k);
        try
        {
            fixed (float* xSource = x, wSource = w, ySource = y, packedBase = packed)
            fixed (int* offsetBase = offsets)
            {
                float* aPack = Align64(packedBase);
                PackWeightSlivers(wSource, co, k, rowsPadded, aPack);

                for (int c = 0; c < ci; c++)
                {
                    for (int u = 0; u < g.KernelHeight; u++)
                    {
                        for (int v = 0; v < g.KernelWidth; v++)
                        {
                            offsetBase[(((c * g.KernelHeight) + u) * g.KernelWidth) + v] = (c * layout.Slot) + layout.SpanStart + layout.TapOffset(u, v);
                        }
                    }
                }

                nint xa = (nint)xSource, aa = (nint)aPack, ya = (nint)ySource, oa = (nint)offsetBase;
                Parallelism.For(g.Batch, n =>
                {
                    // Each image is padded into an L2-sized scratch right before use.
                    float[] scratch = ArrayPool<float>.Shared.Rent((co * span) + (ci * layout.Slot) + 32);
                    fixed (float* scratchBase = scratch)
                    {
                        float* cs = Align64(scratchBase);
                        float* xImage = Align64(cs + ((long)co * span));
                        layout.Pad((float*)xa + ((long)n * ci * g.Plane), xImage, 0, ci);
                        for (int pc = 0; pc < k; pc += WindowKC)
                        {
                            int kc = Math.Min(WindowKC, k - pc);
                            float* block = (float*)aa + ((long)rowsPadded * pc);
                            int* tapOffsets = (int*)oa + pc;
                            int t0 = 0;
                            int maxVectors = co <= mr ? WideWindowVectors(co) : 0;
                            while (maxVectors > 0 && span - t0 >= 48)
                            {
                                int vectors = Math.Min(maxVectors, (span - t0) / 16);
                                Avx512WideWindowTile(co, vectors, kc, block, xImage + t0, tapOffsets, cs + t0, span, overwrite: pc == 0);
                                t0 += vectors * 16;
                            }

                            for (; t0 < span; t0 += 32)
                            {
                                // The span is a multiple of 16, so the last tile is 16 or 32 wide and never reads past it.
                                int width = Math.Min(32, span - t0);
                                for (int i = 0; i < co; i += mr)
                                {
                                    Avx512WindowTile(Math.Min(mr, co - i), width, kc, block + ((long)i * kc), xImage + t0, tapOffsets,
                                        cs + ((long)i * span) + t0, span, overwrite: pc == 0);
                                }
                            }
                        }

                        layout.Unpad(cs, span, (float*)ya + ((long)n * co * g.Plane), co);
                    }

                    ArrayPool<float>.Shared.Return(scratch);
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    private static unsafe float* Align64(float* p) => (float*)(((nuint)p + 63) & ~(nuint)63);

    /// <summary>
    /// Packs a row-major weight [rows × depth] into MR-row slivers, one block of <paramref name="rowsPadded"/>
    /// rows per depth pass of <see cref="WindowKC"/>, the layout every window, direct and tap-rows tile reads.
    /// </summary>
    private static unsafe void PackWeightSlivers(float* weight, int rows, int depth, int rowsPadded, float* aPack)
    {
        const int mr = Gemm.Avx512MR;
        var panel = new DensePanelA(weight, depth, trans: false);
        for (int pc = 0; pc < depth; pc += WindowKC)
        {
            int kc = Math.Min(WindowKC, depth - pc);
            for (int i = 0; i < rows; i += mr)
            {
                panel.Pack(i, Math.Min(mr, rows - i), pc, kc, mr, aPack + ((long)rowsPadded * pc) + ((long)i * kc));
            }
        }
    }
}
