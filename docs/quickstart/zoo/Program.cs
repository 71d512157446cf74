// Load a trained model from the zoo (or any flows train run) and sample digits at temperature 0.7.
using Flows;

var flow = Flow.Load(args.Length > 0 ? args[0] : "zoo/glow-mnist");
Console.WriteLine($"{flow.Kind}: {flow.ParameterCount:N0} parameters, images {string.Join('x', flow.DataShape)}");
var digits = flow.SampleImages(64, temperature: 0.7f, seed: 1);
digits.SaveGrid("digits.png");
Console.WriteLine($"its own samples score {flow.BitsPerDim(digits).Average():F3} bits/dim");
