using System.Runtime.InteropServices;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Tensors;

/// <summary>
/// Against llama.cpp's own output: stories260K.gguf (all F32) and the same model quantized by llama-quantize
/// (matrices Q8_0 or Q4_0, ffn_down F16 since its rows of 172 do not fill 32-element blocks, the tied
/// embedding Q8_0 in both, 1-D tensors F32).
/// </summary>
public class LlamaCppInteropTests
{
    public static TheoryData<string> QuantizedFiles => new("models/stories260K-Q8_0.gguf", "models/stories260K-Q4_0.gguf");

    [Theory]
    [MemberData(nameof(QuantizedFiles))]
    public void OurQuantizationOfTheF32WeightsReproducesLlamaQuantizeByteForByte(string quantizedFile)
    {
        using var source = GgufFile.Open(SharedData.Path("models/stories260K.gguf"));
        using var quantized = GgufFile.Open(SharedData.Path(quantizedFile));
        var typesSeen = new HashSet<GgmlType>();
        foreach (var theirs in quantized.Tensors)
        {
            var f32 = SourceValues(source, theirs);
            var info = TensorTypes.Get(theirs.Type);
            var ours = new byte[info.RowBytes(f32.Length)];
            info.RequireQuantize()(f32, ours);

            var expected = quantized.TensorBytes(theirs);
            int firstDiff = expected.CommonPrefixLength(ours);
            Assert.True(firstDiff == ours.Length && expected.Length == ours.Length,
                $"{theirs.Name} ({info.Name}, {theirs.ShapeText}): our bytes differ from llama-quantize's at byte {firstDiff} of {expected.Length}");
            typesSeen.Add(theirs.Type);
        }
        // Guard against a vacuous pass: each file must have exercised its main type, F16 and F32.
        var main = quantizedFile.Contains("Q4_0") ? GgmlType.Q4_0 : GgmlType.Q8_0;
        Assert.Superset(new HashSet<GgmlType> { main, GgmlType.F16, GgmlType.F32 }, typesSeen);
    }

    [Theory]
    [MemberData(nameof(QuantizedFiles))]
    public void DequantizingLlamaQuantizeOutputLandsWithinTheFormatsErrorOfTheF32Weights(string quantizedFile)
    {
        using var source = GgufFile.Open(SharedData.Path("models/stories260K.gguf"));
        using var quantized = GgufFile.Open(SharedData.Path(quantizedFile));
        foreach (var theirs in quantized.Tensors)
        {
            var f32 = SourceValues(source, theirs);
            var info = TensorTypes.Get(theirs.Type);
            var back = new float[f32.Length];
            info.RequireDequantize()(quantized.TensorBytes(theirs), back);

            for (int block = 0; block < f32.Length / info.BlockSize; block++)
            {
                var x = f32.AsSpan(block * info.BlockSize, info.BlockSize);
                var y = back.AsSpan(block * info.BlockSize, info.BlockSize);
                float amax = 0;
                foreach (float v in x) amax = Math.Max(amax, Math.Abs(v));
                for (int i = 0; i < x.Length; i++)
                {
                    float bound = ErrorBound(theirs.Type, amax, x[i]);
                    Assert.True(Math.Abs(x[i] - y[i]) <= bound,
                        $"{theirs.Name} ({info.Name}) element {block * info.BlockSize + i}: {y[i]} vs F32 {x[i]}, more than {bound} apart");
                }
            }
        }
    }

    /// <summary>The largest error each format allows for one element, from its definition; the f16 rounding of
    /// the block scale (relative 2^-11) adds amax·2^-10 of slack.</summary>
    private static float ErrorBound(GgmlType type, float amax, float value) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => Math.Abs(value) * MathF.Pow(2, -11) + MathF.Pow(2, -25),
        GgmlType.Q8_0 => amax / 127 / 2 + amax * MathF.Pow(2, -10), // d = amax/127, round to nearest
        GgmlType.Q4_0 => amax / 8 + amax * MathF.Pow(2, -10),       // |d| = amax/8; the clamped +8 end is off by a whole d
        _ => throw new InvalidOperationException($"unexpected {type} tensor in a llama-quantize Q8_0/Q4_0 file"),
    };

    private static float[] SourceValues(GgufFile source, GgufTensorInfo theirs)
    {
        var tensor = source.GetTensor(theirs.Name);
        Assert.Equal(GgmlType.F32, tensor.Type);
        Assert.Equal(theirs.Shape, tensor.Shape);
        return MemoryMarshal.Cast<byte, float>(source.TensorBytes(tensor)).ToArray();
    }
}
