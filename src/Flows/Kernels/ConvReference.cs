namespace Flows.Kernels;

/// <summary>Direct-loop 2-D convolution (cross-correlation, as in every DL library) that <see cref="Conv2d"/> is tested against.</summary>
internal static class ConvReference
{
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        for (int n = 0; n < g.Batch; n++)
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                for (int r = 0; r < g.Height; r++)
                {
                    for (int s = 0; s < g.Width; s++)
                    {
                        double sum = 0;
                        for (int ci = 0; ci < g.InChannels; ci++)
                        {
                            for (int u = 0; u < g.KernelHeight; u++)
                            {
                                int rr = r + u - g.PadTop;
                                if ((uint)rr >= (uint)g.Height)
                                {
                                    continue;
                                }

                                for (int v = 0; v < g.KernelWidth; v++)
                                {
                                    int ss = s + v - g.PadLeft;
                                    if ((uint)ss >= (uint)g.Width)
                                    {
                                        continue;
                                    }

                                    sum += (double)x[(((n * g.InChannels) + ci) * g.Height + rr) * g.Width + ss]
                                        * w[(((o * g.InChannels) + ci) * g.KernelHeight + u) * g.KernelWidth + v];
                                }
                            }
                        }

                        y[(((n * g.OutChannels) + o) * g.Height + r) * g.Width + s] = (float)sum;
                    }
                }
            }
        }
    }

    public static void BackwardInput(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        var acc = new double[g.InputLength];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                for (int r = 0; r < g.Height; r++)
                {
                    for (int s = 0; s < g.Width; s++)
                    {
                        double d = dy[(((n * g.OutChannels) + o) * g.Height + r) * g.Width + s];
                        for (int ci = 0; ci < g.InChannels; ci++)
                        {
                            for (int u = 0; u < g.KernelHeight; u++)
                            {
                                int rr = r + u - g.PadTop;
                                if ((uint)rr >= (uint)g.Height)
                                {
                                    continue;
                                }

                                for (int v = 0; v < g.KernelWidth; v++)
                                {
                                    int ss = s + v - g.PadLeft;
                                    if ((uint)ss >= (uint)g.Width)
                                    {
                                        continue;
                                    }

                                    acc[(((n * g.InChannels) + ci) * g.Height + rr) * g.Width + ss] +=
                                        d * w[(((o * g.InChannels) + ci) * g.KernelHeight + u) * g.KernelWidth + v];
                                }
                            }
                        }
                    }
                }
            }
        }

        for (int i = 0; i < acc.Length; i++)
        {
            dx[i] = (float)acc[i];
        }
    }

    public static void BackwardWeight(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        var acc = new double[g.WeightLength];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                for (int r = 0; r < g.Height; r++)
                {
                    for (int s = 0; s < g.Width; s++)
                    {
                        double d = dy[(((n * g.OutChannels) + o) * g.Height + r) * g.Width + s];
                        for (int ci = 0; ci < g.InChannels; ci++)
                        {
                            for (int u = 0; u < g.KernelHeight; u++)
                            {
                                int rr = r + u - g.PadTop;
                                if ((uint)rr >= (uint)g.Height)
                                {
                                    continue;
                                }

                                for (int v = 0; v < g.KernelWidth; v++)
                                {
                                    int ss = s + v - g.PadLeft;
                                    if ((uint)ss >= (uint)g.Width)
                                    {
                                        continue;
                                    }

                                    acc[(((o * g.InChannels) + ci) * g.KernelHeight + u) * g.KernelWidth + v] +=
                                        d * x[(((n * g.InChannels) + ci) * g.Height + rr) * g.Width + ss];
                                }
                            }
                        }
                    }
                }
            }
        }

        for (int i = 0; i < acc.Length; i++)
        {
            dw[i] = (float)acc[i];
        }
    }
}
