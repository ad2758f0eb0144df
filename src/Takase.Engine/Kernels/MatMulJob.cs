using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels;

/// <summary>
/// Rows [start, end) of y = W·x for one or more prepared activation columns: each weight row is read once and dotted
/// with every column while it is in cache, so several tokens (prompt processing) or sequences (batched decode) share
/// one pass over the weights. Types without a <see cref="RowDot"/> use the type table's float dot per row.
/// </summary>
internal unsafe struct MatMulJob : IRangeJob
{
    public byte* Weights;
    public int RowBytes;
    public int Cols;
    public byte* Activations;     // column c at Activations + c·ActivationStride
    public int ActivationStride;
    public float* Output;         // column c at Output + c·OutputStride
    public int OutputStride;
    public int Columns;
    public delegate*<byte*, byte*, int, float> Dot; // null: float fallback through FallbackType
    public int DotCount;
    public GgmlType FallbackType;

    public readonly void Execute(int start, int end)
    {
        if (Dot == null)
        {
            ExecuteFallback(start, end);
            return;
        }
        for (int r = start; r < end; r++)
        {
            byte* row = Weights + (long)r * RowBytes;
            for (int c = 0; c < Columns; c++)
                Output[(long)c * OutputStride + r] = Dot(row, Activations + (long)c * ActivationStride, DotCount);
        }
    }

    private readonly void ExecuteFallback(int start, int end)
    {
        var dot = TensorTypes.Get(FallbackType).RequireDot();
        for (int r = start; r < end; r++)
        {
            var row = new ReadOnlySpan<byte>(Weights + (long)r * RowBytes, RowBytes);
            for (int c = 0; c < Columns; c++)
                Output[(long)c * OutputStride + r] = dot(row, new ReadOnlySpan<float>((float*)(Activations + (long)c * ActivationStride), Cols));
        }
    }
}

/// <summary>Two or three jobs over one input as one range: indices run through the first job's range, then the
/// second's, then the third's (rows for <see cref="MatMulJob"/>, row pairs for tiled products).</summary>
internal struct SharedInputJob<TJob> : IRangeJob where TJob : unmanaged, IRangeJob
{
    public TJob First;
    public TJob Second;
    public TJob Third;
    public int FirstCount;
    public int SecondCount;

    public void Execute(int start, int end)
    {
        int split1 = FirstCount, split2 = FirstCount + SecondCount;
        if (start < split1) First.Execute(start, Math.Min(end, split1));
        if (end > split1 && start < split2) Second.Execute(Math.Max(start, split1) - split1, Math.Min(end, split2) - split1);
        if (end > split2) Third.Execute(Math.Max(start, split2) - split2, end - split2);
    }
}
