namespace Flows.Training;

/// <summary>An evaluation: the objective's mean (bpd or nats), the mean log-density in nats, and how many examples.</summary>
public readonly record struct EvalResult(double Metric, double MeanLogProb, int Count);
