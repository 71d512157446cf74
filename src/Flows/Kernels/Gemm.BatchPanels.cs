namespace Flows.Kernels;

/// <summary>
/// NCHW data seen as a matrix whose rows are channels and whose depth runs over the pixels of
/// consecutive images: op(A)[i, p] = data[(p / plane)·imageStride + i·plane + p mod plane].
/// Packs transposed (rows become the fast axis of the sliver).
/// </summary>
internal readonly unsafe struct ChannelRowsPanelA(float* data, int plane, long imageStride) : IGemmPanelA
{
    public void Pack(int row0, int rows, int p0, int kc, int mr, float* dst)
    {
        for (int i = 0; i < rows; i++)
        {
            int p = p0, done = 0;
            while (done < kc)
            {
                int image = p / plane, q = p - (image * plane), run = Math.Min(plane - q, kc - done);
                float* src = data + (image * imageStride) + ((long)(row0 + i) * plane) + q;
                float* d = dst + (done * mr) + i;
                for (int r = 0; r < run; r++)
                {
                    d[r * mr] = src[r];
                }

                done += run;
                p += run;
            }
        }

        for (int i = rows; i < mr; i++)
        {
            for (int p = 0; p < kc; p++)
            {
                dst[(p * mr) + i] = 0f;
            }
        }
    }
}

/// <summary>
/// NCHW data seen as op(B)[p, j] = data[(p / plane)·imageStride + j·plane + p mod plane]: columns are
/// channels, depth runs over the pixels of consecutive images (B = Xᵀ of a channel-major batch).
/// </summary>
internal readonly unsafe struct ChannelColumnsPanelB(float* data, int plane, long imageStride) : IGemmPanelB
{
    public void Pack(int p0, int kc, int col0, int cols, int nr, float* dst)
    {
        for (int j = 0; j < cols; j++)
        {
            int p = p0, done = 0;
            while (done < kc)
            {
                int image = p / plane, q = p - (image * plane), run = Math.Min(plane - q, kc - done);
                float* src = data + (image * imageStride) + ((long)(col0 + j) * plane) + q;
                float* d = dst + (done * nr) + j;
                for (int r = 0; r < run; r++)
                {
                    d[r * nr] = src[r];
                }

                done += run;
                p += run;
            }
        }

        for (int p = 0; p < kc && cols < nr; p++)
        {
            new Span<float>(dst + (p * nr) + cols, nr - cols).Clear();
        }
    }
}
