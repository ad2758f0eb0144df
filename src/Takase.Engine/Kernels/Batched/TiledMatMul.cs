using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// y = W·X for many columns (a prompt's tokens, or several sequences' tokens): the weight is cut into tiles of a few
/// rows × a few columns, each computed by a register-blocked kernel that unpacks a weight block once for all its
/// columns and loads an activation block once for all its rows. Within a thread's chunk of rows the column groups
/// are the outer loop, so the chunk's weights stay in cache while the activations stream past. Types without a tile
/// kernel (and products of one column) go to <see cref="WeightOps.MatMul"/>; results equal it bit for bit.
/// </summary>
internal static unsafe class TiledMatMul
{
    // Per calling thread: the prepared activation columns (grown, never shrunk).
    [ThreadStatic] private static byte[]? t_activations;

    /// <summary>Whether <paramref name="type"/> has a tile kernel on this CPU.</summary>
    public static bool Supports(GgmlType type) => FourColumns(type) != null;

    /// <summary>y[c] = W·x[c] for <paramref name="columns"/> inputs (x: columns × Cols, y: columns × Rows).</summary>
    public static void MatMul(in Weight w, ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        if (F16Route(w, columns))
        {
            F16Gemm.MatMul(w, x, columns, y);
            return;
        }
        if (FourColumns(w.Type.Type) == null || columns < 2)
        {
            WeightOps.MatMul(w, x, columns, y);
            return;
        }
        Check(w, x, columns, y);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (byte* pa = Scratch(ActivationBytes(w) * columns))
        {
            var job = Prepare(w, px, columns, py, pa);
            Run(ref job, (w.Rows + 1) / 2, (long)w.Rows * w.Cols * columns);
        }
    }

    /// <summary>
    /// y1 = W1·X, y2 = W2·X and y3 = W3·X as one parallel step (Q, K and V of a batch): one wake-up of the workers and
    /// one quantization of the columns per activation format instead of three. Results equal three
    /// <see cref="MatMul"/> calls bit for bit.
    /// </summary>
    public static void MatMulShared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3)
    {
        if (columns < 2)
        {
            WeightOps.MatVecShared(x, w1, y1, w2, y2, w3, y3);
            return;
        }
        if (F16Route(w1, columns) && F16Route(w2, columns) && F16Route(w3, columns))
        {
            F16Gemm.MatMulShared(x, columns, w1, y1, w2, y2, w3, y3);
            return;
        }
        if (!Supports(w1.Type.Type) || !Supports(w2.Type.Type) || !Supports(w3.Type.Type))
        {
            MatMul(w1, x, columns, y1);
            MatMul(w2, x, columns, y2);
            MatMul(w3, x, columns, y3);
            return;
        }
        Shared(x, columns, w1, y1, w2, y2, w3, y3, three: true);
    }

    /// <summary>The two-matrix form of <see cref="MatMulShared(ReadOnlySpan{float}, int, in Weight, Span{float}, in Weight, Span{float}, in Weight, Span{float})"/>
    /// (gate and up of a batch).</summary>
    public static void MatMulShared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2)
    {
        if (columns < 2)
        {
            WeightOps.MatVecShared(x, w1, y1, w2, y2);
            return;
        }
        if (F16Route(w1, columns) && F16Route(w2, columns))
        {
            F16Gemm.MatMulShared(x, columns, w1, y1, w2, y2);
            return;
        }
        if (!Supports(w1.Type.Type) || !Supports(w2.Type.Type))
        {
            MatMul(w1, x, columns, y1);
            MatMul(w2, x, columns, y2);
            return;
        }
        Shared(x, columns, w1, y1, w2, y2, w2, y2, three: false);
    }

    private static void Shared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3, bool three)
    {
        Check(w1, x, columns, y1);
        Check(w2, x, columns, y2);
        if (three) Check(w3, x, columns, y3);
        int a1 = ActivationBytes(w1) * columns, a2 = ActivationBytes(w2) * columns, a3 = three ? ActivationBytes(w3) * columns : 0;
        fixed (float* px = x)
        fixed (float* p1 = y1)
        fixed (float* p2 = y2)
        fixed (float* p3 = y3)
        fixed (byte* pa = Scratch(a1 + a2 + a3))
        {
            var job = new SharedInputJob<TiledMatMulJob>
            {
                First = Prepare(w1, px, columns, p1, pa),
                Second = Prepare(w2, px, columns, p2, pa + a1, reuse: WeightOps.SameFormat(w1, w2) ? pa : null),
                FirstCount = (w1.Rows + 1) / 2,
                SecondCount = (w2.Rows + 1) / 2,
            };
            long work = ((long)w1.Rows * w1.Cols + (long)w2.Rows * w2.Cols) * columns;
            int pairs = job.FirstCount + job.SecondCount;
            if (three)
            {
                byte* reuse = WeightOps.SameFormat(w1, w3) ? pa : WeightOps.SameFormat(w2, w3) ? job.Second.Activations : null;
                job.Third = Prepare(w3, px, columns, p3, pa + a1 + a2, reuse);
                work += (long)w3.Rows * w3.Cols * columns;
                pairs += (w3.Rows + 1) / 2;
            }
            Run(ref job, pairs, work);
        }
    }

    /// <summary>Quantizes the input columns into <paramref name="activations"/> (exactly as WeightOps does, so the
    /// single-column kernel and the tiles see the same bytes) — unless <paramref name="reuse"/> already holds them in
    /// this weight's format — and describes the product.</summary>
    private static TiledMatMulJob Prepare(in Weight w, float* x, int columns, float* y, byte* activations, byte* reuse = null)
    {
        var rowDot = RowDots.For(w.Type.Type)!;
        int actBytes = rowDot.ActivationBytes(w.Cols);
        if (reuse != null) activations = reuse;
        else WeightOps.PrepareColumns(w, x, columns, activations);
        return new TiledMatMulJob
        {
            Weights = w.Pointer,
            RowBytes = w.RowBytes,
            Rows = w.Rows,
            Activations = activations,
            ActivationStride = actBytes,
            Output = y,
            Columns = columns,
            Blocks = w.Cols / rowDot.BlockSize,
            BlockBytes = LeadingScale(w.Type.Type) ? w.Type.BytesPerBlock : 0,
            Tile = FourColumns(w.Type.Type),
            Tile2 = TwoColumns(w.Type.Type),
            Dot = rowDot.Dot,
        };
    }

    private static void Run<TJob>(ref TJob job, int pairs, long work) where TJob : unmanaged, IRangeJob
    {
        int threads = WeightOps.Threads;
        if (threads <= 1 || work < 1 << 16)
        {
            job.Execute(0, pairs);
            return;
        }
        // Work is split by pairs of rows; several chunks per thread, so a thread slowed by other processes takes fewer.
        WorkerPool.Shared(threads).Run(pairs, Math.Max(1, pairs / (threads * 8)), ref job);
    }

    /// <summary>F16 weights with enough columns go to the float GEMM (equal to the row dot bit for bit).</summary>
    private static bool F16Route(in Weight w, int columns) => columns >= F16Gemm.MinColumns && w.Type.Type == GgmlType.F16 && F16Gemm.Supported;

    private static int ActivationBytes(in Weight w) => RowDots.For(w.Type.Type)!.ActivationBytes(w.Cols);

    private static byte[] Scratch(int bytes)
    {
        var buffer = t_activations;
        if (buffer is null || buffer.Length < bytes) t_activations = buffer = new byte[Math.Max(bytes, 1 << 16)];
        return buffer;
    }

    private static void Check(in Weight w, ReadOnlySpan<float> x, int columns, ReadOnlySpan<float> y)
    {
        if (x.Length < columns * w.Cols || y.Length < columns * w.Rows)
            throw new ArgumentException($"{w.Name}: {columns} column(s) need {columns * w.Cols} inputs and {columns * w.Rows} outputs; got {x.Length} and {y.Length}");
    }

    /// <summary>Whether each block starts with its f16 scale, which the job converts once per band (the K-quants'
    /// super-blocks carry several scales; their tiles read them themselves).</summary>
    private static bool LeadingScale(GgmlType type) => type is not (GgmlType.Q4_K or GgmlType.Q6_K);

    /// <summary>The 2-row × 4-column tile kernel of <paramref name="type"/> (null without AVX2 or a kernel); the VNNI
    /// formats where the CPU has them (same results, fewer instructions).</summary>
    private static delegate*<byte*, int, float*, byte*, int, float*, int, float*, int, void> FourColumns(GgmlType type) =>
        !RowDots.UseAvx2 ? null : type switch
        {
            GgmlType.Q4_0 => Vnni.IsSupported ? &Tiles<Q4_0TileVnni, Vector256<byte>, VnniColumn>.Tile : &Tiles<Q4_0Tile, Vector256<byte>, Q4_0Column>.Tile,
            GgmlType.Q8_0 => Vnni.IsSupported ? &Tiles<Q8_0TileVnniSign, SignedLevels, Q8Column>.Tile : &Tiles<Q8_0Tile, Vector256<sbyte>, Q8Column>.Tile,
            GgmlType.Q5_0 => Vnni.IsSupported ? &Tiles<Q5_0TileVnniSign, SignedLevels, Q8Column>.Tile : &Tiles<Q5_0Tile, Vector256<sbyte>, Q8Column>.Tile,
            GgmlType.Q4_K => &Q4_KTile.Tile,
            GgmlType.Q6_K => &Q6_KTile.Tile,
            _ => null,
        };

    /// <summary>The 2-row × 2-column twin of <see cref="FourColumns"/>.</summary>
    private static delegate*<byte*, int, float*, byte*, int, float*, int, float*, int, void> TwoColumns(GgmlType type) =>
        !RowDots.UseAvx2 ? null : type switch
        {
            GgmlType.Q4_0 => Vnni.IsSupported ? &Tiles<Q4_0TileVnni, Vector256<byte>, VnniColumn>.Tile2 : &Tiles<Q4_0Tile, Vector256<byte>, Q4_0Column>.Tile2,
            GgmlType.Q8_0 => Vnni.IsSupported ? &Tiles<Q8_0TileVnniSign, SignedLevels, Q8Column>.Tile2 : &Tiles<Q8_0Tile, Vector256<sbyte>, Q8Column>.Tile2,
            GgmlType.Q5_0 => Vnni.IsSupported ? &Tiles<Q5_0TileVnniSign, SignedLevels, Q8Column>.Tile2 : &Tiles<Q5_0Tile, Vector256<sbyte>, Q8Column>.Tile2,
            GgmlType.Q4_K => &Q4_KTile.Tile2,
            GgmlType.Q6_K => &Q6_KTile.Tile2,
            _ => null,
        };
}

/// <summary>
/// Row pairs [start, end) of a tiled product. Rows go in bands of <see cref="PairsPerBand"/> pairs: a band's block
/// scales are converted from f16 once, then every 4-column group (and a last 2-column one) passes over the band (its
/// weights stay in cache while the activations stream past); an odd last column and an odd last row go through the
/// row dot.
/// </summary>
internal unsafe struct TiledMatMulJob : IRangeJob
{
    private const int PairsPerBand = 8;

    public byte* Weights;
    public int RowBytes;
    public int Rows;
    public byte* Activations;     // column c at Activations + c·ActivationStride
    public int ActivationStride;
    public float* Output;         // column c at Output + c·Rows
    public int Columns;
    public int Blocks;
    public int BlockBytes;        // the f16 scale leads each block (Q4_0, Q5_0, Q8_0); 0: no scales to convert (K-quants)
    public delegate*<byte*, int, float*, byte*, int, float*, int, float*, int, void> Tile; // 2 rows × 4 columns
    public delegate*<byte*, int, float*, byte*, int, float*, int, float*, int, void> Tile2; // 2 rows × 2 columns
    public delegate*<byte*, byte*, int, float> Dot;

    /// <summary>The f16 scale of each block of a row → floats, eight at a time through the vector conversion (the
    /// scalar one branches on every scale; at a few columns this loop is a fifth of the work). Plain loads in order:
    /// this is the first touch of the band's weights, and gathers stalled memory-bound decode on it.</summary>
    private readonly void ConvertScales(byte* row, float* dst)
    {
        int i = 0, b = BlockBytes;
        for (; i + 8 <= Blocks; i += 8)
        {
            byte* p = row + i * b;
            var bits = Vector256.Create((uint)*(ushort*)p, *(ushort*)(p + b), *(ushort*)(p + 2 * b), *(ushort*)(p + 3 * b),
                *(ushort*)(p + 4 * b), *(ushort*)(p + 5 * b), *(ushort*)(p + 6 * b), *(ushort*)(p + 7 * b));
            HalfBits.ToFloat(bits).Store(dst + i);
        }
        for (; i < Blocks; i++) dst[i] = HalfBits.ToFloat(*(ushort*)(row + i * b));
    }

    [SkipLocalsInit]
    public readonly void Execute(int start, int end)
    {
        float* scales = stackalloc float[PairsPerBand * 2 * Blocks];
        // The columns' block scales, gathered once from their activation blocks for every band of the chunk.
        float* columnScales = stackalloc float[BlockBytes == 0 ? 0 : (Columns & ~1) * Blocks];
        for (int k = 0; BlockBytes != 0 && k < (Columns & ~1); k++)
        {
            var blocks = (ActivationBlockQ8*)(Activations + (long)k * ActivationStride);
            for (int i = 0; i < Blocks; i++) columnScales[k * Blocks + i] = blocks[i].D;
        }
        int fullPairs = Rows / 2;
        for (int band = start; band < end; band += PairsPerBand)
        {
            int bandEnd = Math.Min(Math.Min(band + PairsPerBand, end), fullPairs);
            for (int p = band; BlockBytes != 0 && p < bandEnd; p++)
            {
                byte* row0 = Weights + (long)(2 * p) * RowBytes;
                float* s = scales + (p - band) * 2 * Blocks;
                ConvertScales(row0, s);
                ConvertScales(row0 + RowBytes, s + Blocks);
            }
            int c = 0;
            for (; c + 4 <= Columns; c += 4)
            {
                byte* act = Activations + (long)c * ActivationStride;
                float* output = Output + (long)c * Rows;
                for (int p = band; p < bandEnd; p++)
                    Tile(Weights + (long)(2 * p) * RowBytes, RowBytes, scales + (p - band) * 2 * Blocks, act, ActivationStride,
                        columnScales + c * Blocks, Blocks, output + 2 * p, Rows);
            }
            if (c + 2 <= Columns)
            {
                byte* act = Activations + (long)c * ActivationStride;
                float* output = Output + (long)c * Rows;
                for (int p = band; p < bandEnd; p++)
                    Tile2(Weights + (long)(2 * p) * RowBytes, RowBytes, scales + (p - band) * 2 * Blocks, act, ActivationStride,
                        columnScales + c * Blocks, Blocks, output + 2 * p, Rows);
                c += 2;
            }
            // Leftovers: the last column (when odd) of the band's pairs, and an odd last row (all columns).
            for (int r = 2 * band; r < Math.Min(2 * Math.Min(band + PairsPerBand, end), Rows); r++)
            {
                byte* row = Weights + (long)r * RowBytes;
                for (int k = r < 2 * bandEnd ? c : 0; k < Columns; k++)
                    Output[(long)k * Rows + r] = Dot(row, Activations + (long)k * ActivationStride, Blocks);
            }
        }
    }
}
