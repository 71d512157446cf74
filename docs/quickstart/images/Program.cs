// Train a Glow on MNIST (or on a folder of your own images), then score, sample and save it.
using Flows;

var (train, test) = ImageData.Open("mnist"); // or ImageData.FromFolder("photos"): class subfolders become labels
var flow = Flow.Create(FlowSpec.Glow(levels: 2, steps: 8), train.Shape);
var progress = new Progress<FitProgress>(p => { if (p.Step % 100 == 0) Console.WriteLine($"step {p.Step}/{p.TotalSteps}: {p.Loss:F3} bits/dim"); });
flow.Fit(train, new FitOptions { Steps = args.Length > 0 ? long.Parse(args[0]) : 937 }, progress);
Console.WriteLine($"test: {flow.BitsPerDim(test).Average():F4} bits/dim");
flow.SampleImages(64, temperature: 0.7f).SaveGrid("samples.png");
flow.Save("my-glow"); // Flow.Load("my-glow") brings it back; so do the verbs: flows sample my-glow
