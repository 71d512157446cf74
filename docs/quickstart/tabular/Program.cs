// Fit a density to tabular data, then flag the rows it finds unlikely: anomaly scores from exact likelihoods.
using Flows;

var random = new Random(1);
var ring = new float[2000, 2]; // normal data: points near the unit circle
for (int i = 0; i < 2000; i++)
{
    double angle = random.NextDouble() * 2 * Math.PI, radius = 1 + (0.1 * (random.NextDouble() - 0.5));
    ring[i, 0] = (float)(radius * Math.Cos(angle));
    ring[i, 1] = (float)(radius * Math.Sin(angle));
}

var flow = Flow.Create(FlowSpec.RealNvp(steps: 8, hidden: 64), 2);
flow.Fit(ring, new FitOptions { Steps = 1500, Batch = 256 });
float threshold = flow.LogProb(ring).Order().ElementAt(20); // 1% of the normal rows score below it
float[,] queries = { { 1, 0 }, { 0, -1 }, { 0, 0 }, { 3, 3 } };
float[] logp = flow.LogProb(queries);
for (int i = 0; i < logp.Length; i++)
{
    Console.WriteLine($"({queries[i, 0]}, {queries[i, 1]}): log p = {logp[i]:F2}, {(logp[i] < threshold ? "anomaly" : "normal")}");
}

float[,] latents = flow.Encode(queries), back = flow.Decode(latents); // exact: back equals queries
float[,] synthetic = flow.Sample(5, temperature: 1, seed: 7);
Console.WriteLine($"sample: ({synthetic[0, 0]:F2}, {synthetic[0, 1]:F2}); decode(encode(x)) - x = {back[3, 1] - queries[3, 1]:G2}");
