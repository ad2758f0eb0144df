using System.Numerics;

namespace Takase.Routing.Learned.Training;

/// <summary>The few dense-vector loops the embedding routers need, SIMD-wide where the machine allows.</summary>
internal static class VectorMath
{
    /// <summary>Σ a[i]·b[i].</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var i = 0;
        var acc = Vector<float>.Zero;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        var sum = Vector.Sum(acc);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y[i] += s·x[i].</summary>
    public static void AddScaled(Span<float> y, float s, ReadOnlySpan<float> x)
    {
        var i = 0;
        var vs = new Vector<float>(s);
        for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(y[i..]) + vs * new Vector<float>(x[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] += s * x[i];
    }

    /// <summary>A standard normal draw (Box–Muller) from a seeded generator, so initial weights repeat.</summary>
    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Floats to base64 (little-endian float32), compact in a JSON file.</summary>
    public static string ToBase64(ReadOnlySpan<float> values) =>
        Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    /// <summary>Base64 (little-endian float32) back to floats.</summary>
    public static float[] FromBase64(string text)
    {
        var bytes = Convert.FromBase64String(text);
        if (bytes.Length % 4 != 0) throw new FormatException("a float array's byte count must be a multiple of 4");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
