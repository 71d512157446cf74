global using Xunit;
global using Tensor = Flows.Tensors.Tensor;
