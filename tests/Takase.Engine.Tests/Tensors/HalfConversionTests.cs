using Takase.Engine.Tensors;

namespace Takase.Engine.Tests.Tensors;

public class HalfConversionTests
{
    [Theory]
    [InlineData(0x3F80_0000u, 0x3C00)]   // 1
    [InlineData(0xC000_0000u, 0xC000)]   // −2
    [InlineData(0x0000_0000u, 0x0000)]   // 0
    [InlineData(0x8000_0000u, 0x8000)]   // −0
    [InlineData(0x477F_E000u, 0x7BFF)]   // 65504, the largest finite f16
    [InlineData(0x477F_F000u, 0x7C00)]   // 65520, halfway to 2^16: ties to even round up to infinity
    [InlineData(0x477F_EFFFu, 0x7BFF)]   // just below that halfway point stays finite
    [InlineData(0x3380_0000u, 0x0001)]   // 2^-24, the smallest subnormal
    [InlineData(0x3300_0000u, 0x0000)]   // 2^-25, a tie between 0 and 2^-24: to even (0)
    [InlineData(0x33C0_0000u, 0x0002)]   // 1.5·2^-24, a tie between 1 and 2 ulps: to even (2)
    [InlineData(0x3F80_2000u, 0x3C01)]   // 1 + 2^-10 is exact
    [InlineData(0x3F80_1000u, 0x3C00)]   // 1 + 2^-11: tie, to even (1)
    [InlineData(0x3F80_3000u, 0x3C02)]   // 1 + 3·2^-11: tie, to even (1 + 2^-9)
    public void Fp16RoundsToNearestEven(uint floatBits, int bits)
    {
        Assert.Equal((ushort)bits, Fp16.FromFloat(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void Fp16ConversionsRoundTripEveryFiniteHalf()
    {
        for (int bits = 0; bits < 0x10000; bits++)
        {
            if ((bits & 0x7C00) == 0x7C00) continue; // infinities and NaNs
            Assert.Equal((ushort)bits, Fp16.FromFloat(Fp16.ToFloat((ushort)bits)));
        }
    }

    [Fact]
    public void Fp16NaNIsTheQuietNaNWithItsSign()
    {
        Assert.Equal(0x7E00, Fp16.FromFloat(BitConverter.UInt32BitsToSingle(0x7F80_0001)));
        Assert.Equal(0xFE00, Fp16.FromFloat(BitConverter.UInt32BitsToSingle(0xFFC0_1234)));
        Assert.Equal(0x7C00, Fp16.FromFloat(float.PositiveInfinity));
        Assert.Equal(0xFC00, Fp16.FromFloat(float.NegativeInfinity));
    }

    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)]   // 1.0 exact
    [InlineData(0x3F80_8000u, 0x3F80)]   // tie, kept bit even: stays
    [InlineData(0x3F81_8000u, 0x3F82)]   // tie, kept bit odd: rounds up to even
    [InlineData(0x3F80_8001u, 0x3F81)]   // above the tie: up
    [InlineData(0x3F80_7FFFu, 0x3F80)]   // below the tie: down
    [InlineData(0x7F7F_FFFFu, 0x7F80)]   // float max rounds to infinity
    [InlineData(0x0000_8001u, 0x0001)]   // subnormals are kept, not flushed
    [InlineData(0x8000_0000u, 0x8000)]   // −0
    public void Bf16RoundsToNearestEven(uint floatBits, int bits)
    {
        Assert.Equal((ushort)bits, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void Bf16NaNStaysNaNAndBecomesQuiet()
    {
        // A signalling NaN whose payload sits only in the dropped low bits must not round into infinity.
        Assert.Equal(0x7FC0, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x7F80_0001)));
        Assert.Equal(0xFFC1, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0xFF81_0000)));
        Assert.True(float.IsNaN(Bf16.ToFloat(Bf16.FromFloat(float.NaN))));
    }

    [Fact]
    public void Bf16ToFloatIsTheTopHalf()
    {
        Assert.Equal(BitConverter.UInt32BitsToSingle(0x4049_0000), Bf16.ToFloat(0x4049));
        Assert.Equal(-0.0f, Bf16.ToFloat(0x8000));
    }
}
