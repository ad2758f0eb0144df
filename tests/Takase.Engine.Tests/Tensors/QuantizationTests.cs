using Takase.Engine.Tensors;

namespace Takase.Engine.Tests.Tensors;

/// <summary>Quantize → dequantize against ggml's own acceptance thresholds (tests/test-quantize-fns.cpp).</summary>
public class QuantizationTests
{
    private const int TestSize = 32 * 128; // ggml's test_size

    // ggml's MAX_QUANTIZATION_TOTAL_ERROR(_2BITS/_3BITS) and MAX_DOT_PRODUCT_ERROR(_LOWBIT).
    private static float MaxTotalError(GgmlType type) => type switch
    {
        GgmlType.Q2_K => 0.0075f,
        GgmlType.Q3_K => 0.0040f,
        _ => 0.002f,
    };

    private static float MaxDotError(GgmlType type) => type == GgmlType.Q2_K ? 0.04f : 0.02f;

    private static (byte[] Bytes, float[] Back) RoundTrip(TensorTypeInfo info, float[] data)
    {
        var bytes = new byte[info.RowBytes(data.Length)];
        info.RequireQuantize()(data, bytes);
        var back = new float[data.Length];
        info.RequireDequantize()(bytes, back);
        return (bytes, back);
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void RoundTripErrorIsWithinGgmlThreshold(GgmlType type)
    {
        var data = TensorTestData.Cosine(TestSize, 0.0f);
        var (_, back) = RoundTrip(TensorTypes.Get(type), data);
        float error = TensorTestData.GgmlRmse(data, back);
        Assert.True(error < MaxTotalError(type), $"{type}: quantization error {error} ≥ ggml's limit {MaxTotalError(type)}");
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void DotOfQuantizedRowStaysNearTheExactDot(GgmlType type)
    {
        var info = TensorTypes.Get(type);
        var w = TensorTestData.Cosine(TestSize, 0.0f);
        var x = TensorTestData.Cosine(TestSize, 1.0f);
        var row = new byte[info.RowBytes(TestSize)];
        info.RequireQuantize()(w, row);
        double exact = 0;
        for (int i = 0; i < TestSize; i++) exact += w[i] * x[i];
        float error = (float)Math.Abs(info.RequireDot()(row, x) - exact) / TestSize;
        Assert.True(error < MaxDotError(type), $"{type}: dot product error {error} ≥ ggml's limit {MaxDotError(type)}");
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void ZerosComeBackAsExactZeros(GgmlType type)
    {
        var (_, back) = RoundTrip(TensorTypes.Get(type), new float[512]);
        Assert.All(back, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void BlocksAreQuantizedIndependently(GgmlType type)
    {
        // Quantizing a whole tensor at once must equal quantizing it row by row (the writer and the
        // interop test rely on it); the second row has a different range so shared state would show.
        var info = TensorTypes.Get(type);
        var a = TensorTestData.Cosine(256, 0.0f);
        var b = TensorTestData.Cosine(256, 5.0f, amplitude: 40f);
        var both = new byte[info.RowBytes(512)];
        info.RequireQuantize()([.. a, .. b], both);
        var rowA = new byte[info.RowBytes(256)];
        var rowB = new byte[info.RowBytes(256)];
        info.RequireQuantize()(a, rowA);
        info.RequireQuantize()(b, rowB);
        Assert.Equal([.. rowA, .. rowB], both);
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void LargeValuesKeepTheirRelativeAccuracy(GgmlType type)
    {
        // Scales live in f16 (or f32): weights around ±1000 must not overflow or lose relative precision.
        var info = TensorTypes.Get(type);
        var data = TensorTestData.Cosine(1024, 0.5f, amplitude: 1000f);
        var (_, back) = RoundTrip(info, data);
        float relative = TensorTestData.GgmlRmse(data, back) / 1000f;
        Assert.True(relative < MaxTotalError(type), $"{type}: relative error {relative} at amplitude 1000");
    }

    [Theory]
    [MemberData(nameof(TensorTestData.QuantizableTypes), MemberType = typeof(TensorTestData))]
    public void MismatchedLengthsAreRejectedWithTheTypeNamed(GgmlType type)
    {
        var info = TensorTypes.Get(type);
        var quantize = info.RequireQuantize();
        var tooShort = new byte[info.RowBytes(256) - 1];
        var ex = Assert.Throws<ArgumentException>(() => quantize(new float[256], tooShort));
        Assert.Contains(info.Name, ex.Message);
        if (info.BlockSize > 1)
        {
            ex = Assert.Throws<ArgumentException>(() => quantize(new float[info.BlockSize + 1], new byte[info.BytesPerBlock * 2]));
            Assert.Contains($"blocks of {info.BlockSize}", ex.Message);
        }
    }

    [Fact]
    public void Q8_0QuantizesValuesOnTheScaleGridExactly()
    {
        // d = amax/127 = 0.25 exactly, so x = 0.25·q must give back q and d bit for bit.
        var levels = Enumerable.Range(0, 32).Select(j => j == 5 ? -127 : (j * 37 % 255) - 127).ToArray();
        var x = levels.Select(q => 0.25f * q).ToArray();
        var bytes = new byte[34];
        TensorTypes.Get(GgmlType.Q8_0).RequireQuantize()(x, bytes);
        Assert.Equal(0x3400, BitConverter.ToUInt16(bytes, 0)); // f16 0.25
        Assert.Equal(levels, bytes[2..].Select(b => (int)(sbyte)b));
    }

    [Fact]
    public void Q8_0RoundsHalfwayLevelsAwayFromZero()
    {
        // amax 127 → d = 1; ±2.5 and ±3.5 are exact halves: C's roundf gives ±3 and ±4 (not banker's 2 and 4).
        var x = new float[32];
        x[0] = 127; x[1] = 2.5f; x[2] = -2.5f; x[3] = 3.5f; x[4] = -3.5f;
        var bytes = new byte[34];
        TensorTypes.Get(GgmlType.Q8_0).RequireQuantize()(x, bytes);
        Assert.Equal(new sbyte[] { 127, 3, -3, 4, -4 }, bytes[2..7].Select(b => (sbyte)b));
    }

    [Fact]
    public void Q4_0MapsTheLargestMagnitudeToLevelZero()
    {
        // Element 0 = −4 has the largest magnitude: d = −4/−8 = 0.5, and x/d + 8 puts −4…3.5 on levels 0…15.
        var x = Enumerable.Range(0, 32).Select(j => 0.5f * (j % 16) - 4f).ToArray();
        var bytes = new byte[18];
        TensorTypes.Get(GgmlType.Q4_0).RequireQuantize()(x, bytes);
        Assert.Equal(0x3800, BitConverter.ToUInt16(bytes, 0)); // f16 0.5
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(j % 16, bytes[2 + j] & 0xF);        // element j
            Assert.Equal((j + 16) % 16, bytes[2 + j] >> 4);  // element j + 16
        }
    }

    [Fact]
    public void Q4_0ClampsTheOppositeExtremeToLevel15()
    {
        // max = −8 (largest magnitude) gives d = 1; +8 would be level 16 and is clamped to 15 (value 7).
        var x = new float[32];
        x[0] = -8; x[1] = 8;
        var back = new float[32];
        var bytes = new byte[18];
        var q4 = TensorTypes.Get(GgmlType.Q4_0);
        q4.RequireQuantize()(x, bytes);
        q4.RequireDequantize()(bytes, back);
        Assert.Equal(-8f, back[0]);
        Assert.Equal(7f, back[1]);
    }
}
