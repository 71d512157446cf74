namespace Flows.Kernels;

/// <summary>Sizes of a stride-1, 'same'-padded 2-D convolution over NCHW input with an odd kernel.</summary>
internal readonly record struct ConvGeometry(int Batch, int InChannels, int OutChannels, int Height, int Width, int KernelHeight, int KernelWidth)
{
    public int PadTop => (KernelHeight - 1) / 2;

    public int PadLeft => (KernelWidth - 1) / 2;

    public int Plane => Height * Width;

    public int InputLength => Batch * InChannels * Plane;

    public int OutputLength => Batch * OutChannels * Plane;

    public int WeightLength => OutChannels * InChannels * KernelHeight * KernelWidth;

    /// <summary>Rows of the unfolded (im2col) matrix: Ci·kh·kw.</summary>
    public int PatchLength => InChannels * KernelHeight * KernelWidth;

    public void Validate(int inputLength, int weightLength, int outputLength)
    {
        if (Batch < 0 || InChannels < 1 || OutChannels < 1 || Height < 1 || Width < 1)
        {
            throw new ArgumentException($"Invalid convolution sizes {this}.");
        }

        if (KernelHeight % 2 == 0 || KernelWidth % 2 == 0 || KernelHeight < 1 || KernelWidth < 1)
        {
            throw new ArgumentException($"Only odd kernel sizes are supported ('same' padding), got {KernelHeight}x{KernelWidth}.");
        }

        if (inputLength < InputLength || weightLength < WeightLength || outputLength < OutputLength)
        {
            throw new ArgumentException($"Convolution {this}: input {inputLength} (needs {InputLength}), weight {weightLength} (needs {WeightLength}), output {outputLength} (needs {OutputLength}).");
        }
    }
}
