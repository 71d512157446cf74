namespace Flows.Kernels;

internal static partial class Gemm
{
    private const int ScalarMR = 4;
    private const int ScalarNR = 8;

    /// <summary>The portable micro-kernel: the same packed layout, one fused multiply-add chain per element.</summary>
    private static unsafe void ScalarTile(int rows, int width, int kc, float* a, float* b, float* c, int ldc, bool overwrite)
    {
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < width; j++)
            {
                float sum = 0f;
                for (int p = 0; p < kc; p++)
                {
                    sum = MathF.FusedMultiplyAdd(a[(p * ScalarMR) + i], b[(p * ScalarNR) + j], sum);
                }

                float* cij = c + ((long)i * ldc) + j;
                *cij = overwrite ? sum : *cij + sum;
            }
        }
    }
}
