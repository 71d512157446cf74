namespace Flows.Tests.Tensors;

public sealed class TensorTests
{
    [Fact]
    public void FromArray_copies_and_indexes_row_major()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        var t = Tensor.FromArray(data, 2, 3);
        data[0] = 100;
        Assert.Equal(1f, t[0, 0]);
        Assert.Equal(6f, t[1, 2]);
        Assert.Equal(4f, t[1, 0]);
        Assert.Equal(2, t.Rank);
        Assert.Equal(3, t.Dim(-1));
        t[0, 1] = 9f;
        Assert.Equal(9f, t.Span[1]);
    }

    [Fact]
    public void Invalid_shapes_and_indices_throw()
    {
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -1));
        var t = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[2, 0]);
        Assert.Throws<ArgumentException>(() => t[1]);
        Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
    }

    [Fact]
    public void Rank_zero_tensor_holds_one_element()
    {
        var s = Tensor.Full(2.5f);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Length);
        Assert.Equal(2.5f, s.Span[0]);
        Assert.Equal("[]", Tensor.FormatShape(s.Shape));
    }

    [Fact]
    public void Clone_and_Reshape_are_independent_copies()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var c = t.Clone();
        var r = t.Reshape(4);
        t.Span[0] = -1f;
        Assert.Equal(1f, c.Span[0]);
        Assert.Equal(1f, r.Span[0]);
        Assert.Equal([4], r.Shape);
    }

    [Fact]
    public void Shape_array_passed_in_is_not_aliased()
    {
        int[] shape = [2, 3];
        var t = Tensor.Zeros(shape);
        shape[0] = 7;
        Assert.Equal([2, 3], t.Shape);
    }

    [Fact]
    public void Released_tensor_throws_and_its_storage_is_reused()
    {
        var t = Tensor.Zeros(4096);
        t.Span.Fill(3f);
        t.Release();
        Assert.True(t.IsReleased);
        Assert.Throws<ObjectDisposedException>(() => t.Span[0]);
        t.Release(); // idempotent

        // Zeros must clear recycled storage.
        var z = Tensor.Zeros(4096);
        Assert.All(z.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Wrapped_arrays_are_not_copied_nor_pooled()
    {
        var data = new float[2048];
        var t = Tensor.Wrap(data, 2, 1024);
        t.Span[5] = 7f;
        Assert.Equal(7f, data[5]);
        t.Release();
        var other = Tensor.Zeros(2048);
        other.Span.Fill(1f);
        Assert.Equal(7f, data[5]); // the pool never handed `data` out
    }
}
