using Takase.Engine.Models;
using Takase.Engine.Tensors;

namespace Takase.Engine.Kernels;

/// <summary>Matrix–vector products and row lookups over stored weights, in whatever type they are stored.</summary>
public static class WeightOps
{
    /// <summary>y = W·x, one output per row of <paramref name="w"/>.</summary>
    public static void MatVec(in Weight w, ReadOnlySpan<float> x, Span<float> y)
    {
        var bytes = w.Bytes;
        var rowBytes = w.RowBytes;
        x = x[..w.Cols];
        for (var r = 0; r < w.Rows; r++) y[r] = Dot(w.Type, bytes.Slice(r * rowBytes, rowBytes), x);
    }

    /// <summary>Dequantizes row <paramref name="row"/> of <paramref name="w"/> into <paramref name="dst"/>.</summary>
    public static void GetRow(in Weight w, int row, Span<float> dst) => Dequantize(w.Type, w.Row(row), dst[..w.Cols]);

    // Interim F32/F16 kernels; replaced by the type-traits table once the quantized types land.
    private static float Dot(TensorTypeInfo type, ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var s = 0f;
        switch (type.Type)
        {
            case GgmlType.F32:
                var f = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row);
                for (var i = 0; i < x.Length; i++) s += f[i] * x[i];
                return s;
            case GgmlType.F16:
                var h = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(row);
                for (var i = 0; i < x.Length; i++) s += (float)h[i] * x[i];
                return s;
            default: throw new NotSupportedException($"{type.Name} kernels are not available yet");
        }
    }

    private static void Dequantize(TensorTypeInfo type, ReadOnlySpan<byte> row, Span<float> dst)
    {
        switch (type.Type)
        {
            case GgmlType.F32: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row).CopyTo(dst); return;
            case GgmlType.F16:
                var h = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(row);
                for (var i = 0; i < dst.Length; i++) dst[i] = (float)h[i];
                return;
            default: throw new NotSupportedException($"{type.Name} kernels are not available yet");
        }
    }
}
