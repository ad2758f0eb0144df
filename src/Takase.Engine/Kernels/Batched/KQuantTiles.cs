using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// What the K-quant tiles share. A 256-element super-block is eight chunks of 32 weights, each with its scales; a tile
/// loads every column's 32 activations of a chunk once for both rows, multiplies with vpmaddubsw and scales with
/// vpmaddwd. Integer sums are exact, and each 32-bit lane sums the same products as in the row dots, so the lanes —
/// and the float operations after them — are those of <see cref="Q4_KDotAvx2"/> and <see cref="Q6_KDotAvx2"/>.
/// </summary>
internal static unsafe class KQuantCore
{
    /// <summary>Chunks of 32 weights per super-block.</summary>
    public const int Chunks = 8;

    /// <summary>The f16 at <paramref name="offset"/> of each of <paramref name="blocks"/> blocks → floats, eight at a
    /// time through <see cref="HalfBits"/>' vector conversion (the scalar one branches, and a tile needs two or four per
    /// block).</summary>
    public static void ConvertHalves(byte* row, int blockBytes, int offset, int blocks, float* dst)
    {
        byte* p = row + offset;
        int i = 0;
        for (; i + 8 <= blocks; i += 8, p += 8 * blockBytes)
        {
            var bits = Vector256.Create((uint)*(ushort*)p, *(ushort*)(p + blockBytes), *(ushort*)(p + 2 * blockBytes),
                *(ushort*)(p + 3 * blockBytes), *(ushort*)(p + 4 * blockBytes), *(ushort*)(p + 5 * blockBytes),
                *(ushort*)(p + 6 * blockBytes), *(ushort*)(p + 7 * blockBytes));
            HalfBits.ToFloat(bits).Store(dst + i);
        }
        for (; i < blocks; i++, p += blockBytes) dst[i] = HalfBits.ToFloat(*(ushort*)p);
    }
}

/// <summary>
/// Q4_K in 2-row × 4 (or 2)-column tiles: each row's super-block (8 scales, 8 mins, 256 nibbles) is unpacked once for
/// all columns, each column's Q8_K block (levels, d, 16-element sums) is read once for both rows. Per block and per
/// product the float steps are those of <see cref="Q4_KDotAvx2.Dot"/> in its order (scale·Σ and mins·Σa accumulated
/// apart, reduced the same way at the end), so every output equals the row dot bit for bit.
/// </summary>
internal static unsafe class Q4_KTile
{
    /// <summary>y[c·yStride + r] = row r · column c for r &lt; 2, c &lt; 4 (the <see cref="TiledMatMulJob"/> tile
    /// signature; <paramref name="scales"/> is unused: the super-block scales are read here).</summary>
    [SkipLocalsInit]
    public static void Tile(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        var rows = stackalloc RowBlock[2];
        var sums = stackalloc Vector256<int>[8];
        var acc = stackalloc Vector256<float>[8];
        var accMin = stackalloc Vector128<float>[8];
        for (int k = 0; k < 8; k++) { acc[k] = default; accMin[k] = default; }
        var x0 = (BlockQ4_K*)w;
        var x1 = (BlockQ4_K*)(w + rowBytes);
        float* d = stackalloc float[4 * blocks]; // d and dmin of row 0, then of row 1
        ConvertScales(w, rowBytes, blocks, d);
        var y0 = (BlockQ8_K*)a;
        var y1 = (BlockQ8_K*)(a + actStride);
        var y2 = (BlockQ8_K*)(a + 2 * actStride);
        var y3 = (BlockQ8_K*)(a + 3 * actStride);
        for (int i = 0; i < blocks; i++)
        {
            UnpackRow(x0 + i, d[i], d[blocks + i], rows);
            UnpackRow(x1 + i, d[2 * blocks + i], d[3 * blocks + i], rows + 1);
            Sums4((byte*)&x0[i].Qs, (byte*)&x1[i].Qs, (short*)&rows[0].ScaleWords, (short*)&rows[1].ScaleWords,
                (sbyte*)&y0[i].Qs, (sbyte*)&y1[i].Qs, (sbyte*)&y2[i].Qs, (sbyte*)&y3[i].Qs, sums);
            Accumulate(rows, y0 + i, 0, 4, sums, acc, accMin);
            Accumulate(rows, y1 + i, 1, 4, sums, acc, accMin);
            Accumulate(rows, y2 + i, 2, 4, sums, acc, accMin);
            Accumulate(rows, y3 + i, 3, 4, sums, acc, accMin);
        }
        for (int c = 0; c < 4; c++)
        {
            y[c * yStride] = Finish(acc[c], accMin[c]);
            y[c * yStride + 1] = Finish(acc[4 + c], accMin[4 + c]);
        }
    }

    /// <summary><see cref="Tile"/> for 2 columns.</summary>
    [SkipLocalsInit]
    public static void Tile2(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        var rows = stackalloc RowBlock[2];
        var sums = stackalloc Vector256<int>[4];
        var acc = stackalloc Vector256<float>[4];
        var accMin = stackalloc Vector128<float>[4];
        for (int k = 0; k < 4; k++) { acc[k] = default; accMin[k] = default; }
        var x0 = (BlockQ4_K*)w;
        var x1 = (BlockQ4_K*)(w + rowBytes);
        float* d = stackalloc float[4 * blocks]; // d and dmin of row 0, then of row 1
        ConvertScales(w, rowBytes, blocks, d);
        var y0 = (BlockQ8_K*)a;
        var y1 = (BlockQ8_K*)(a + actStride);
        for (int i = 0; i < blocks; i++)
        {
            UnpackRow(x0 + i, d[i], d[blocks + i], rows);
            UnpackRow(x1 + i, d[2 * blocks + i], d[3 * blocks + i], rows + 1);
            Sums2((byte*)&x0[i].Qs, (byte*)&x1[i].Qs, (short*)&rows[0].ScaleWords, (short*)&rows[1].ScaleWords,
                (sbyte*)&y0[i].Qs, (sbyte*)&y1[i].Qs, sums);
            Accumulate(rows, y0 + i, 0, 2, sums, acc, accMin);
            Accumulate(rows, y1 + i, 1, 2, sums, acc, accMin);
        }
        for (int c = 0; c < 2; c++)
        {
            y[c * yStride] = Finish(acc[c], accMin[c]);
            y[c * yStride + 1] = Finish(acc[2 + c], accMin[2 + c]);
        }
    }

    /// <summary>One row's super-block scales, unpacked: the 8 chunk scales and 8 mins as 16-bit words, d and dmin.</summary>
    internal struct RowBlock
    {
        public Vector128<short> ScaleWords;
        public Vector128<short> Mins;
        public float D;
        public float DMin;
    }

    /// <summary>d and dmin of every block of both rows, as floats: d of row 0, dmin of row 0, d of row 1, dmin of row 1.</summary>
    private static void ConvertScales(byte* w, int rowBytes, int blocks, float* d)
    {
        for (int r = 0; r < 2; r++)
        {
            KQuantCore.ConvertHalves(w + r * rowBytes, sizeof(BlockQ4_K), 0, blocks, d + 2 * r * blocks);
            KQuantCore.ConvertHalves(w + r * rowBytes, sizeof(BlockQ4_K), sizeof(ushort), blocks, d + (2 * r + 1) * blocks);
        }
    }

    /// <summary>Scales and mins by ggml's get_scale_min_k4 bit layout, as <see cref="Q4_KDotAvx2"/> unpacks them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void UnpackRow(BlockQ4_K* x, float d, float dmin, RowBlock* dst)
    {
        const uint mask6 = 0x3F3F3F3F, mask4 = 0x0F0F0F0F, mask2 = 0x03030303;
        byte* packed = (byte*)&x->Scales;
        uint u0 = *(uint*)packed, u1 = *(uint*)(packed + 4), u2 = *(uint*)(packed + 8);
        var sm = Vector128.Create(u0 & mask6, (u2 & mask4) | (((u0 >> 6) & mask2) << 4),
            u1 & mask6, ((u2 >> 4) & mask4) | (((u1 >> 6) & mask2) << 4)).AsByte();
        // Bytes 0–7 are the chunk scales, 8–15 the mins.
        dst->ScaleWords = Sse41.ConvertToVector128Int16(sm);
        dst->Mins = Sse41.ConvertToVector128Int16(Sse2.ShiftRightLogical128BitLane(sm, 8));
        dst->D = d;
        dst->DMin = dmin;
    }

    /// <summary>
    /// sums[r·4 + c] = Σ_t scale_t·Σ(level·a) over the 8 chunks of both rows' nibbles <paramref name="q0"/>,
    /// <paramref name="q1"/> and 4 columns' Q8_K levels. 32-byte run j holds chunk 2j in its low nibbles and chunk 2j + 1
    /// in its high ones (elements 64j … 64j + 63); each is split once here for all 4 columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sums4(byte* q0, byte* q1, short* sc0, short* sc1, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Vector256<int>* sums)
    {
        var low = Vector256.Create((byte)0x0F);
        Vector256<int> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<int> s10 = default, s11 = default, s12 = default, s13 = default;
        for (int t = 0; t < KQuantCore.Chunks; t++)
        {
            // Chunk t: run t/2, low nibbles when t is even.
            var bits0 = Avx.LoadVector256(q0 + 32 * (t >> 1)).AsUInt16();
            var bits1 = Avx.LoadVector256(q1 + 32 * (t >> 1)).AsUInt16();
            var shift = Vector128.CreateScalar((ushort)(4 * (t & 1)));
            var w0 = Avx2.And(Avx2.ShiftRightLogical(bits0, shift).AsByte(), low);
            var w1 = Avx2.And(Avx2.ShiftRightLogical(bits1, shift).AsByte(), low);
            var c0 = Avx2.BroadcastScalarToVector256(sc0 + t);
            var c1 = Avx2.BroadcastScalarToVector256(sc1 + t);
            int e = 32 * t;
            var a = Avx.LoadVector256(a0 + e);
            s00 = Mac(w0, a, c0, s00);
            s10 = Mac(w1, a, c1, s10);
            a = Avx.LoadVector256(a1 + e);
            s01 = Mac(w0, a, c0, s01);
            s11 = Mac(w1, a, c1, s11);
            a = Avx.LoadVector256(a2 + e);
            s02 = Mac(w0, a, c0, s02);
            s12 = Mac(w1, a, c1, s12);
            a = Avx.LoadVector256(a3 + e);
            s03 = Mac(w0, a, c0, s03);
            s13 = Mac(w1, a, c1, s13);
        }
        sums[0] = s00; sums[1] = s01; sums[2] = s02; sums[3] = s03;
        sums[4] = s10; sums[5] = s11; sums[6] = s12; sums[7] = s13;
    }

    /// <summary><see cref="Sums4"/> for 2 columns: sums[r·2 + c].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sums2(byte* q0, byte* q1, short* sc0, short* sc1, sbyte* a0, sbyte* a1, Vector256<int>* sums)
    {
        var low = Vector256.Create((byte)0x0F);
        Vector256<int> s00 = default, s01 = default, s10 = default, s11 = default;
        for (int t = 0; t < KQuantCore.Chunks; t++)
        {
            var bits0 = Avx.LoadVector256(q0 + 32 * (t >> 1)).AsUInt16();
            var bits1 = Avx.LoadVector256(q1 + 32 * (t >> 1)).AsUInt16();
            var shift = Vector128.CreateScalar((ushort)(4 * (t & 1)));
            var w0 = Avx2.And(Avx2.ShiftRightLogical(bits0, shift).AsByte(), low);
            var w1 = Avx2.And(Avx2.ShiftRightLogical(bits1, shift).AsByte(), low);
            var c0 = Avx2.BroadcastScalarToVector256(sc0 + t);
            var c1 = Avx2.BroadcastScalarToVector256(sc1 + t);
            int e = 32 * t;
            var a = Avx.LoadVector256(a0 + e);
            s00 = Mac(w0, a, c0, s00);
            s10 = Mac(w1, a, c1, s10);
            a = Avx.LoadVector256(a1 + e);
            s01 = Mac(w0, a, c0, s01);
            s11 = Mac(w1, a, c1, s11);
        }
        sums[0] = s00; sums[1] = s01; sums[2] = s10; sums[3] = s11;
    }

    /// <summary>s + scale·(pairs of level·a): the vpmaddubsw / vpmaddwd step of <see cref="Q4_KDotAvx2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Mac(Vector256<byte> w, Vector256<sbyte> a, Vector256<short> scale, Vector256<int> s) =>
        Avx2Int8.MultiplyAddPairs(s, Avx2.MultiplyAddAdjacent(w, a), scale);

    /// <summary>Column <paramref name="c"/>'s block into its two products, as the row dot's per-block float steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(RowBlock* rows, BlockQ8_K* yb, int c, int columns, Vector256<int>* sums,
        Vector256<float>* acc, Vector128<float>* accMin)
    {
        float dy = yb->D;
        var bsums = Avx.LoadVector256((short*)&yb->BSums);
        var groupSums = Ssse3.HorizontalAdd(bsums.GetLower(), bsums.GetUpper());
        for (int r = 0; r < 2; r++)
        {
            int k = r * columns + c;
            var minProd = Sse2.MultiplyAddAdjacent(rows[r].Mins, groupSums);
            accMin[k] = Fma.MultiplyAdd(Vector128.Create(dy * rows[r].DMin), Sse2.ConvertToVector128Single(minProd), accMin[k]);
            acc[k] = Fma.MultiplyAdd(Vector256.Create(dy * rows[r].D), Avx.ConvertToVector256Single(sums[k]), acc[k]);
        }
    }

    /// <summary>The row dot's final reduction: Σacc − Σmins, each summed in its order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, Vector128<float> accMin)
    {
        var m = Sse.Add(accMin, Sse.MoveHighToLow(accMin, accMin));
        m = Sse.AddScalar(m, Sse.Shuffle(m, m, 1));
        return Avx2Int8.HorizontalSum(acc) - m.ToScalar();
    }
}

/// <summary>
/// Q6_K in 2-row × 4 (or 2)-column tiles: each row's super-block (16 signed scales, 256 six-bit levels from Ql and Qh)
/// is unpacked once for all columns, each column's Q8_K levels read once for both rows and its 32·Σa (the −32 of the
/// levels) computed once for both rows. Per block and product the float step is <see cref="Q6_KDotAvx2.Dot"/>'s, so
/// every output equals the row dot bit for bit.
/// </summary>
internal static unsafe class Q6_KTile
{
    // d is the block's last field (after ql[128], qh[64], scales[16]).
    private const int DOffset = 128 + 64 + 16;

    /// <inheritdoc cref="Q4_KTile.Tile"/>
    [SkipLocalsInit]
    public static void Tile(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        var rows = stackalloc RowBlock[2];
        var sums = stackalloc Vector256<int>[8];
        var acc = stackalloc Vector256<float>[8];
        for (int k = 0; k < 8; k++) acc[k] = default;
        var x0 = (BlockQ6_K*)w;
        var x1 = (BlockQ6_K*)(w + rowBytes);
        float* d = stackalloc float[2 * blocks]; // d of row 0, then of row 1
        KQuantCore.ConvertHalves(w, sizeof(BlockQ6_K), DOffset, blocks, d);
        KQuantCore.ConvertHalves(w + rowBytes, sizeof(BlockQ6_K), DOffset, blocks, d + blocks);
        var y0 = (BlockQ8_K*)a;
        var y1 = (BlockQ8_K*)(a + actStride);
        var y2 = (BlockQ8_K*)(a + 2 * actStride);
        var y3 = (BlockQ8_K*)(a + 3 * actStride);
        for (int i = 0; i < blocks; i++)
        {
            UnpackRow(x0 + i, d[i], rows);
            UnpackRow(x1 + i, d[blocks + i], rows + 1);
            Sums4(rows[0].Levels, rows[1].Levels, (Vector256<short>*)&rows[0].Scales, (Vector256<short>*)&rows[1].Scales,
                (sbyte*)&y0[i].Qs, (sbyte*)&y1[i].Qs, (sbyte*)&y2[i].Qs, (sbyte*)&y3[i].Qs, sums);
            Accumulate(rows, y0[i].D, 0, 4, sums, acc);
            Accumulate(rows, y1[i].D, 1, 4, sums, acc);
            Accumulate(rows, y2[i].D, 2, 4, sums, acc);
            Accumulate(rows, y3[i].D, 3, 4, sums, acc);
        }
        for (int c = 0; c < 4; c++)
        {
            y[c * yStride] = Avx2Int8.HorizontalSum(acc[c]);
            y[c * yStride + 1] = Avx2Int8.HorizontalSum(acc[4 + c]);
        }
    }

    /// <summary><see cref="Tile"/> for 2 columns.</summary>
    [SkipLocalsInit]
    public static void Tile2(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        var rows = stackalloc RowBlock[2];
        var sums = stackalloc Vector256<int>[4];
        var acc = stackalloc Vector256<float>[4];
        for (int k = 0; k < 4; k++) acc[k] = default;
        var x0 = (BlockQ6_K*)w;
        var x1 = (BlockQ6_K*)(w + rowBytes);
        float* d = stackalloc float[2 * blocks]; // d of row 0, then of row 1
        KQuantCore.ConvertHalves(w, sizeof(BlockQ6_K), DOffset, blocks, d);
        KQuantCore.ConvertHalves(w + rowBytes, sizeof(BlockQ6_K), DOffset, blocks, d + blocks);
        var y0 = (BlockQ8_K*)a;
        var y1 = (BlockQ8_K*)(a + actStride);
        for (int i = 0; i < blocks; i++)
        {
            UnpackRow(x0 + i, d[i], rows);
            UnpackRow(x1 + i, d[blocks + i], rows + 1);
            Sums2(rows[0].Levels, rows[1].Levels, (Vector256<short>*)&rows[0].Scales, (Vector256<short>*)&rows[1].Scales,
                (sbyte*)&y0[i].Qs, (sbyte*)&y1[i].Qs, sums);
            Accumulate(rows, y0[i].D, 0, 2, sums, acc);
            Accumulate(rows, y1[i].D, 1, 2, sums, acc);
        }
        for (int c = 0; c < 2; c++)
        {
            y[c * yStride] = Avx2Int8.HorizontalSum(acc[c]);
            y[c * yStride + 1] = Avx2Int8.HorizontalSum(acc[2 + c]);
        }
    }

    /// <summary>
    /// sums[r·4 + c] = Σ over the 8 chunks of scale·Σ((level − 32)·a) for rows 0/1 (levels <paramref name="l0"/>/<paramref name="l1"/>,
    /// scales <paramref name="k0"/>/<paramref name="k1"/>) and the Q8_K levels of 4 columns: the levels go into vpmaddubsw
    /// unsigned and 32·Σa (once per column) is subtracted in 16 bits, as the row dot does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sums4(byte* l0, byte* l1, Vector256<short>* k0, Vector256<short>* k1,
        sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Vector256<int>* sums)
    {
        Vector256<int> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<int> s10 = default, s11 = default, s12 = default, s13 = default;
        for (int t = 0; t < KQuantCore.Chunks; t++)
        {
            var w0 = Avx.LoadVector256(l0 + 32 * t);
            var w1 = Avx.LoadVector256(l1 + 32 * t);
            var c0 = k0[t];
            var c1 = k1[t];
            var a = Avx.LoadVector256(a0 + 32 * t);
            var o = Offset(a);
            s00 = Mac(w0, a, o, c0, s00);
            s10 = Mac(w1, a, o, c1, s10);
            a = Avx.LoadVector256(a1 + 32 * t);
            o = Offset(a);
            s01 = Mac(w0, a, o, c0, s01);
            s11 = Mac(w1, a, o, c1, s11);
            a = Avx.LoadVector256(a2 + 32 * t);
            o = Offset(a);
            s02 = Mac(w0, a, o, c0, s02);
            s12 = Mac(w1, a, o, c1, s12);
            a = Avx.LoadVector256(a3 + 32 * t);
            o = Offset(a);
            s03 = Mac(w0, a, o, c0, s03);
            s13 = Mac(w1, a, o, c1, s13);
        }
        sums[0] = s00; sums[1] = s01; sums[2] = s02; sums[3] = s03;
        sums[4] = s10; sums[5] = s11; sums[6] = s12; sums[7] = s13;
    }

    /// <summary><see cref="Sums4"/> for 2 columns: sums[r·2 + c].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sums2(byte* l0, byte* l1, Vector256<short>* k0, Vector256<short>* k1,
        sbyte* a0, sbyte* a1, Vector256<int>* sums)
    {
        Vector256<int> s00 = default, s01 = default, s10 = default, s11 = default;
        for (int t = 0; t < KQuantCore.Chunks; t++)
        {
            var w0 = Avx.LoadVector256(l0 + 32 * t);
            var w1 = Avx.LoadVector256(l1 + 32 * t);
            var c0 = k0[t];
            var c1 = k1[t];
            var a = Avx.LoadVector256(a0 + 32 * t);
            var o = Offset(a);
            s00 = Mac(w0, a, o, c0, s00);
            s10 = Mac(w1, a, o, c1, s10);
            a = Avx.LoadVector256(a1 + 32 * t);
            o = Offset(a);
            s01 = Mac(w0, a, o, c0, s01);
            s11 = Mac(w1, a, o, c1, s11);
        }
        sums[0] = s00; sums[1] = s01; sums[2] = s10; sums[3] = s11;
    }

    /// <summary>32·(a[2k] + a[2k+1]) per 16-bit lane (the −32 of the levels), once per column for both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Offset(Vector256<sbyte> a) => Avx2.MultiplyAddAdjacent(Vector256.Create((byte)32), a);

    /// <summary>s + scale·(pairs of level·a − offset): the Part step of <see cref="Q6_KDotAvx2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Mac(Vector256<byte> w, Vector256<sbyte> a, Vector256<short> offset, Vector256<short> scale,
        Vector256<int> s) =>
        Avx2Int8.MultiplyAddPairs(s, Avx2.Subtract(Avx2.MultiplyAddAdjacent(w, a), offset), scale);

    /// <summary>One row's super-block, unpacked: 256 levels (0–63) in chunk order, each chunk's two group scales
    /// widened to 16 bits (lanes 0–7 and 8–15), and d.</summary>
    internal struct RowBlock
    {
        public fixed byte Levels[256];
        public ChunkScales Scales;
        public float D;
    }

    /// <summary>Eight 16-bit scale vectors, one per 32-weight chunk.</summary>
    [InlineArray(KQuantCore.Chunks)]
    internal struct ChunkScales
    {
        private Vector256<short> _first;
    }

    /// <summary>Chunk 4h + k is elements 128h + 32k … + 31: the low (k &lt; 2) or high nibbles of Ql run 2h + k % 2 and
    /// bits 2k, 2k + 1 of Qh run h, the split <see cref="Q6_KDotAvx2"/> makes; its scales are groups 2t and 2t + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void UnpackRow(BlockQ6_K* x, float d, RowBlock* dst)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var low2 = Vector256.Create((byte)0x03);
        byte* ql = (byte*)&x->Ql;
        byte* qh = (byte*)&x->Qh;
        for (int h = 0; h < 2; h++)
        {
            var bits1 = Avx.LoadVector256(ql + 64 * h);
            var bits2 = Avx.LoadVector256(ql + 64 * h + 32);
            var bitsH = Avx.LoadVector256(qh + 32 * h).AsUInt16();
            var h0 = Avx2.ShiftLeftLogical(Avx2.And(bitsH.AsByte(), low2).AsUInt16(), 4).AsByte();
            var h1 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 2).AsByte(), low2).AsUInt16(), 4).AsByte();
            var h2 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 4).AsByte(), low2).AsUInt16(), 4).AsByte();
            var h3 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 6).AsByte(), low2).AsUInt16(), 4).AsByte();
            byte* l = dst->Levels + 128 * h;
            Avx.Store(l, Avx2.Or(Avx2.And(bits1, low4), h0));
            Avx.Store(l + 32, Avx2.Or(Avx2.And(bits2, low4), h1));
            Avx.Store(l + 64, Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits1.AsUInt16(), 4).AsByte(), low4), h2));
            Avx.Store(l + 96, Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits2.AsUInt16(), 4).AsByte(), low4), h3));
        }
        // Chunk t takes group scales 2t (lanes 0–7) and 2t + 1 (lanes 8–15): bytes picked by vpshufb, then widened.
        var groupScales = Sse2.LoadVector128((sbyte*)&x->Scales);
        var pick = Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        var two = Vector128.Create((byte)2);
        var scales = (Vector256<short>*)&dst->Scales;
        for (int t = 0; t < KQuantCore.Chunks; t++)
        {
            scales[t] = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(groupScales, pick.AsSByte()));
            pick = Sse2.Add(pick, two);
        }
        dst->D = d;
    }

    /// <summary>Column <paramref name="c"/>'s block into its two products: acc += (d·dy)·Σ, the row dot's float step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(RowBlock* rows, float dy, int c, int columns, Vector256<int>* sums, Vector256<float>* acc)
    {
        for (int r = 0; r < 2; r++)
        {
            int k = r * columns + c;
            acc[k] = Fma.MultiplyAdd(Vector256.Create(rows[r].D * dy), Avx.ConvertToVector256Single(sums[k]), acc[k]);
        }
    }
}
