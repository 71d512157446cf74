namespace Flows.Tensors;

/// <summary>
/// Exact-length buckets of float arrays. Training repeats the same shapes every step, so an
/// exact-length pool hits nearly always and keeps large activations out of the GC's large-object heap.
/// </summary>
internal static class TensorPool
{
    private const long MaxPooledFloats = 512L * 1024 * 1024; // 2 GiB of floats at most are kept idle.
    private const int MinPooledLength = 1024; // small arrays are cheap for the GC; pooling them costs more.
    private static readonly Dictionary<int, Stack<float[]>> Buckets = new();
    private static readonly Lock Gate = new();
    private static long _pooledFloats;

    public static float[] Rent(int length)
    {
        if (length >= MinPooledLength)
        {
            lock (Gate)
            {
                if (Buckets.TryGetValue(length, out var stack) && stack.Count > 0)
                {
                    _pooledFloats -= length;
                    return stack.Pop();
                }
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    public static void Return(float[] array)
    {
        int length = array.Length;
        if (length < MinPooledLength)
        {
            return;
        }

        lock (Gate)
        {
            if (_pooledFloats + length > MaxPooledFloats)
            {
                return;
            }

            if (!Buckets.TryGetValue(length, out var stack))
            {
                stack = new Stack<float[]>();
                Buckets[length] = stack;
            }

            stack.Push(array);
            _pooledFloats += length;
        }
    }

    /// <summary>Drops every idle array so the GC can reclaim it.</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            Buckets.Clear();
            _pooledFloats = 0;
        }
    }
}
