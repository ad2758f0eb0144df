using System.Buffers.Binary;
using Takase.Engine.Tensors;

namespace Takase.Engine.Tests.Tensors;

/// <summary>Deterministic inputs for the tensor kernel tests.</summary>
internal static class TensorTestData
{
    /// <summary>The types Takase computes with (dequantize and dot), as xunit theory data.</summary>
    public static TheoryData<GgmlType> ComputableTypes => new(TensorTypes.All.Where(t => t.Dot is not null).Select(t => t.Type));

    /// <summary>The types Takase can quantize to, as xunit theory data.</summary>
    public static TheoryData<GgmlType> QuantizableTypes => new(TensorTypes.All.Where(t => t.Quantize is not null).Select(t => t.Type));

    /// <summary>ggml's test-quantize-fns data: 0.1 + amplitude·cos(i + offset).</summary>
    public static float[] Cosine(int n, float offset, float amplitude = 2.0f)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(0.1 + amplitude * MathF.Cos(i + offset));
        return data;
    }

    /// <summary>ggml's "rmse" from test-quantize-fns: √(Σ diff²) / n. Not a true RMSE (that divides by √n),
    /// but it is the quantity ggml's thresholds are stated in.</summary>
    public static float GgmlRmse(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = a[i] - b[i];
            sum += diff * diff;
        }
        return (float)(Math.Sqrt(sum) / a.Length);
    }

    /// <summary>
    /// Random but valid stored data of <paramref name="type"/>: every level bit random, every scale a finite value
    /// in [−2, 2). Scale positions are written out here from ggml's struct declarations (not taken from Takase's
    /// structs), so a layout slip in either shows up.
    /// </summary>
    public static byte[] RandomRow(GgmlType type, int elements, int seed)
    {
        var info = TensorTypes.Get(type);
        var rng = new Random(seed);
        var bytes = new byte[info.RowBytes(elements)];
        float Scale() => (float)(rng.NextDouble() * 4 - 2);
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < elements; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), Scale());
                return bytes;
            case GgmlType.F16:
                for (int i = 0; i < elements; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), Fp16.FromFloat(Scale()));
                return bytes;
            case GgmlType.BF16:
                for (int i = 0; i < elements; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), Bf16.FromFloat(Scale()));
                return bytes;
        }
        rng.NextBytes(bytes);
        int[] halfOffsets = type switch
        {
            GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],     // half d; ...
            GgmlType.IQ4_NL or GgmlType.IQ4_XS => [0],                 // half d; (uint16 scales_h; uint8 scales_l[4];) qs
            GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q8_1 => [0, 2],  // half d, m (s for q8_1); ...
            GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],                  // half d, dmin; scales[12]; ...
            GgmlType.Q2_K => [80, 82],                                 // scales[16]; qs[64]; half d, dmin
            GgmlType.Q3_K => [108],                                    // hmask[32]; qs[64]; scales[12]; half d
            GgmlType.Q6_K => [208],                                    // ql[128]; qh[64]; int8 scales[16]; half d
            GgmlType.Q8_K => [],                                       // float d; int8 qs[256]; int16 bsums[16]
            _ => throw new ArgumentException($"no random block recipe for {type}"),
        };
        for (int block = 0; block < bytes.Length / info.BytesPerBlock; block++)
        {
            var b = bytes.AsSpan(block * info.BytesPerBlock, info.BytesPerBlock);
            foreach (int offset in halfOffsets) BinaryPrimitives.WriteUInt16LittleEndian(b[offset..], Fp16.FromFloat(Scale()));
            if (type == GgmlType.Q8_K) BinaryPrimitives.WriteSingleLittleEndian(b, Scale() / 64);
        }
        return bytes;
    }

    /// <summary>A random vector with elements in [−1, 1).</summary>
    public static float[] RandomVector(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
