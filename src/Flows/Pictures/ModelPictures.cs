using Flows.Autodiff;
using Flows.Data;
using Flows.IO;
using Flows.Models;

namespace Flows.Pictures;

/// <summary>
/// The pictures of a model, made without gradients in evaluation mode: sample grids, temperature
/// sweeps, and for 2-D data the data, the model's density and its samples side by side.
/// </summary>
public static class ModelPictures
{
    /// <summary>The temperatures of <see cref="TemperatureSweep"/> by default.</summary>
    public static IReadOnlyList<float> SweepTemperatures { get; } = [0f, 0.25f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f];

    /// <summary>n samples at <paramref name="temperature"/> in a grid of about √n columns.</summary>
    public static RasterImage SampleGrid(FlowModel model, Dequantization dequantization, int n, float temperature, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var x = Sample(model, n, temperature, new Rng(seed));
        var grid = TensorImages.Grid(x, dequantization, (int)Math.Ceiling(Math.Sqrt(n)));
        x.Release();
        return grid;
    }

    /// <summary>
    /// For a class-conditional model: one row of <paramref name="perRow"/> samples per label in <paramref name="labels"/>
    /// (top row the first), each drawn from p(x | label) at <paramref name="temperature"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The model is not class-conditional, or a label is outside its classes.</exception>
    public static RasterImage ClassGrid(FlowModel model, Dequantization dequantization, IReadOnlyList<int> labels, int perRow, float temperature, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(perRow, 1);
        if (model.Classes == 0)
        {
            throw new ArgumentException("This model is not class-conditional, so it cannot sample a chosen class; train it with --conditional.", nameof(model));
        }

        if (labels.Count == 0 || labels.Any(l => l < 0 || l >= model.Classes))
        {
            throw new ArgumentException($"Labels must lie in 0 to {model.Classes - 1}; got {string.Join(", ", labels)}.", nameof(labels));
        }

        var rows = new int[labels.Count * perRow];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = labels[i / perRow];
        }

        var x = Sample(model, rows.Length, temperature, new Rng(seed), Distributions.ClassConditionalGaussian.OneHot(rows, model.Classes));
        var grid = TensorImages.Grid(x, dequantization, perRow);
        x.Release();
        return grid;
    }

    /// <summary>One row of <paramref name="perRow"/> samples per temperature, top row the first temperature.</summary>
    public static RasterImage TemperatureSweep(FlowModel model, Dequantization dequantization, int perRow, IReadOnlyList<float> temperatures, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(temperatures);
        ArgumentOutOfRangeException.ThrowIfLessThan(perRow, 1);
        var tiles = new List<RasterImage>();
        foreach (float t in temperatures)
        {
            // The same seed for every row: each column shows one noise draw scaled by the temperatures.
            var x = Sample(model, perRow, t, new Rng(seed));
            tiles.AddRange(TensorImages.ToTiles(x, dequantization));
            x.Release();
        }

        return ImageGrid.Compose(tiles, perRow);
    }

    /// <summary>For 2-D data: the test points, the model's density exp(log p) on a grid, and samples, side by side.</summary>
    public static RasterImage PointPanels(FlowModel model, PointSplit data, ulong seed, double lo = -4, double hi = 4, int size = 256, int sampleCount = 5000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (model.Dimensions != 2)
        {
            throw new ArgumentException($"Point panels need a 2-D model, got {model.Dimensions} dimensions.", nameof(model));
        }

        var dataPanel = PointPlot.Scatter(data.Points, lo, hi, size);
        var density = DensityGrid(model, lo, hi, size);
        var x = Sample(model, sampleCount, 1f, new Rng(seed));
        var samplePanel = PointPlot.Scatter(x.Span, lo, hi, size, (214, 39, 40));
        x.Release();
        return ImageGrid.SideBySide([dataPanel, PointPlot.HeatMap(density, size), samplePanel]);
    }

    /// <summary>For 2-D data: the test points, then the density exp(log p) of each model on a grid, side by side (to compare flows on one data set).</summary>
    /// <exception cref="ArgumentException">No models, or a model that is not 2-D.</exception>
    public static RasterImage DensityPanels(IReadOnlyList<FlowModel> models, PointSplit data, double lo = -4, double hi = 4, int size = 256)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(data);
        if (models.Count == 0 || models.Any(m => m.Dimensions != 2))
        {
            throw new ArgumentException("Density panels need at least one model, every one 2-D.", nameof(models));
        }

        var panels = new List<RasterImage> { PointPlot.Scatter(data.Points, lo, hi, size) };
        panels.AddRange(models.Select(m => PointPlot.HeatMap(DensityGrid(m, lo, hi, size), size)));
        return ImageGrid.SideBySide(panels);
    }

    /// <summary>p(x) at the centres of a size×size grid over [lo, hi]², row 0 at the top (y = hi).</summary>
    public static float[] DensityGrid(FlowModel model, double lo, double hi, int size)
    {
        ArgumentNullException.ThrowIfNull(model);
        var values = new float[size * size];
        bool wasTraining = model.Training;
        model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            var row = Tensor.Uninitialized(size, 2);
            double cell = (hi - lo) / size;
            for (int y = 0; y < size; y++)
            {
                var s = row.Span;
                double py = hi - ((y + 0.5) * cell);
                for (int x = 0; x < size; x++)
                {
                    s[2 * x] = (float)(lo + ((x + 0.5) * cell));
                    s[(2 * x) + 1] = (float)py;
                }

                var logp = model.LogProb(Variable.Constant(row)).Value.Span;
                for (int x = 0; x < size; x++)
                {
                    values[(y * size) + x] = MathF.Exp(logp[x]);
                }
            }

            row.Release();
        }
        finally
        {
            model.Training = wasTraining;
        }

        return values;
    }

    /// <summary>Samples in evaluation mode without gradients.</summary>
    public static Tensor Sample(FlowModel model, int n, float temperature, Rng rng, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool wasTraining = model.Training;
        model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            return labels is null ? model.Sample(n, temperature, rng) : model.Sample(n, temperature, rng, Variable.Constant(labels));
        }
        finally
        {
            model.Training = wasTraining;
        }
    }
}
