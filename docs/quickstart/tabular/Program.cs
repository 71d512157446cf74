// Fit a density to tabular data, then flag the rows it finds unlikely: anomaly scores from exact likelihoods.
using Flows;

var random = new Random(1);
float[,] Ring(int n) // normal data: points near the unit circle
{
    var points = new float[n, 2];
    for (int i = 0; i < n; i++)
    {
        double angle = random.NextDouble() * 2 * Math.PI, radius = 1 + (0.1 * (random.NextDouble() - 0.5));
        points[i, 0] = (float)(radius * Math.Cos(angle));
        points[i, 1] = (float)(radius * Math.Sin(angle));
    }

    return points;
}

var flow = Flow.Create(FlowSpec.RealNvp(steps: 8, hidden: 64), 2);
flow.Fit(Ring(2000), new FitOptions { Steps = 1500, Batch = 256 });
flow.Calibrate(Ring(1000), 0.01); // held-out normal rows: at most 1% of normal data will be flagged
float[,] queries = { { 1, 0 }, { 0, -1 }, { 0, 0 }, { 3, 3 } };
float[] logp = flow.LogProb(queries);
bool[] outlier = flow.IsOutlier(queries, 0.01);
for (int i = 0; i < logp.Length; i++)
{
    Console.WriteLine($"({queries[i, 0]}, {queries[i, 1]}): log p = {logp[i]:F2}, {(outlier[i] ? "anomaly" : "normal")}");
}

float[,] latents = flow.Encode(queries), back = flow.Decode(latents); // exact: back equals queries
float[,] synthetic = flow.Sample(5, temperature: 1, seed: 7);
Console.WriteLine($"sample: ({synthetic[0, 0]:F2}, {synthetic[0, 1]:F2}); decode(encode(x)) - x = {back[3, 1] - queries[3, 1]:G2}");
flow.Save("ring-flow"); // the calibration is saved with it; Flow.Load("ring-flow").IsOutlier(...) answers the same
