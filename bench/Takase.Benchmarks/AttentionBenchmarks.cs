using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels.Batched;

namespace Takase.Benchmarks;

/// <summary>
/// Attention of one layer over a KV cache of 128, 512 or 2048 positions (scores q·k/√d, softmax, weighted sum of the
/// values) for Qwen2.5-0.5B (14 query heads over 2 KV heads × 64) and Llama-3.2-1B (32 over 8 × 64), through
/// <see cref="BatchedAttentionJob"/>, the kernel of batched decode; with one column it runs exactly the operations of the
/// single-token path. GB/s counts keys and values read (once each, though grouped query heads re-read them from cache)
/// plus queries read and outputs written. Caches cycle through enough copies (layers, in a model) to total 128 MiB, four
/// times the L3: in a decode step the weights streamed between two uses of a layer's cache evict it.
/// </summary>
public abstract unsafe class AttentionBenchmarksBase : IBytesPerInvocation, IColumnsPerInvocation
{
    private const long MinimumTotalBytes = 128L << 20;

    private float[] _cache = [];          // sets × sequences × (keys, values) × positions × kvDim
    private float[] _queries = [], _output = [];
    private nint[] _keys = [], _values = []; // per set, per sequence
    private int[] _lengths = [];
    private int _sets, _next;

    [Params(128, 512, 2048)]
    public int Positions { get; set; }

    [Params(ModelShape.Qwen05B, ModelShape.Llama1B)]
    public ModelShape Shape { get; set; }

    /// <summary>Sequences (query columns) attended per invocation.</summary>
    protected abstract int Sequences { get; }

    /// <summary>Threads the kernel may use.</summary>
    protected abstract int Threads { get; }

    /// <inheritdoc />
    public int ColumnsPerInvocation => Sequences;

    /// <inheritdoc />
    public long BytesPerInvocation
    {
        get
        {
            var d = ModelDims.Of(Shape);
            return (long)sizeof(float) * Sequences * (2L * Positions * d.KvDim + 2L * d.QDim);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var d = ModelDims.Of(Shape);
        long perSequence = 2L * Positions * d.KvDim;
        _sets = (int)(MinimumTotalBytes / (perSequence * Sequences * sizeof(float)) + 1);
        _cache = GC.AllocateUninitializedArray<float>(checked((int)(perSequence * Sequences * _sets)), pinned: true);
        var rng = new Random(1);
        for (int i = 0; i < _cache.Length; i++) _cache[i] = (float)(rng.NextDouble() - 0.5);
        _queries = GC.AllocateArray<float>(Sequences * d.QDim, pinned: true);
        for (int i = 0; i < _queries.Length; i++) _queries[i] = (float)(rng.NextDouble() - 0.5);
        _output = GC.AllocateArray<float>(Sequences * d.QDim, pinned: true);
        _keys = GC.AllocateArray<nint>(Sequences * _sets, pinned: true);
        _values = GC.AllocateArray<nint>(Sequences * _sets, pinned: true);
        float* cache = Pointer(_cache);
        for (int s = 0; s < _sets * Sequences; s++)
        {
            _keys[s] = (nint)(cache + s * perSequence);
            _values[s] = (nint)(cache + s * perSequence + perSequence / 2);
        }
        _lengths = GC.AllocateArray<int>(Sequences, pinned: true);
        Array.Fill(_lengths, Positions);
        Engine.Threading.WorkerPool.Shared(Threads);
    }

    /// <summary>One layer's attention for every sequence, on the next set of caches.</summary>
    protected void Attend()
    {
        var d = ModelDims.Of(Shape);
        int set = _next;
        _next = (set + 1) % _sets;
        var job = new BatchedAttentionJob
        {
            Queries = Pointer(_queries),
            Output = Pointer(_output),
            Keys = (float**)Pointer(_keys) + set * Sequences,
            Values = (float**)Pointer(_values) + set * Sequences,
            Lengths = Pointer(_lengths),
            Heads = d.Heads,
            HeadDim = d.HeadDim,
            QDim = d.QDim,
            KvDim = d.KvDim,
            GroupSize = d.Heads / d.KvHeads,
            Scale = 1f / MathF.Sqrt(d.HeadDim),
        };
        job.Run(Sequences, Threads);
    }

    private static T* Pointer<T>(T[] a) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(a));
}

/// <summary>One token's attention on the calling thread, as <c>TransformerModel.Forward</c> runs it.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*AttentionOneToken*' --job short</summary>
[Config(typeof(BandwidthConfig))]
public class AttentionOneTokenBenchmarks : AttentionBenchmarksBase
{
    protected override int Sequences => 1;
    protected override int Threads => 1;

    [Benchmark]
    public void OneToken() => Attend();
}

/// <summary>Decode steps of 8 sequences at once (<c>ForwardMany</c>), each over its own cache, split by (sequence,
/// head) over the engine's 2 threads.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*BatchedAttention*' --job short</summary>
[Config(typeof(BandwidthConfig))]
public class BatchedAttentionBenchmarks : AttentionBenchmarksBase
{
    protected override int Sequences => 8;
    protected override int Threads => 2;

    [Benchmark]
    public void EightSequences() => Attend();
}
