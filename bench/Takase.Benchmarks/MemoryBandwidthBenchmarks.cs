using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Takase.Engine.Threading;

namespace Takase.Benchmarks;

/// <summary>
/// The ceiling the kernels are measured against: copying 256 MiB (far beyond the 32 MiB L3; bytes read plus bytes
/// written) and reading 256 MiB with vector loads (a weight pass reads and writes almost nothing else), on 1 thread and
/// on the engine's worker pool with 2, in 1 MiB chunks.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*MemoryBandwidth*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public unsafe class MemoryBandwidthBenchmarks : IBytesPerInvocation
{
    private const int Bytes = 256 << 20, ChunkBytes = 1 << 20;
    private byte[] _src = [];
    private byte[] _dst = [];
    private readonly long[] _sums = new long[Bytes / ChunkBytes];

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Bytes a <see cref="Copy"/> moves: read plus written.</summary>
    public long BytesPerInvocation => 2L * Bytes;

    /// <inheritdoc />
    public long BytesOf(string method) => method == nameof(Read) ? Bytes : BytesPerInvocation;

    [GlobalSetup]
    public void Setup()
    {
        _src = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        _dst = GC.AllocateUninitializedArray<byte>(Bytes, pinned: true);
        new Random(1).NextBytes(_src);
        new Random(2).NextBytes(_dst); // touch every page before timing
        WorkerPool.Shared(Threads);
    }

    [Benchmark]
    public void Copy()
    {
        var job = new Job { Src = Pointer(_src), Dst = Pointer(_dst) };
        Run(ref job);
    }

    [Benchmark]
    public long Read()
    {
        fixed (long* sums = _sums)
        {
            var job = new Job { Src = Pointer(_src), Sums = sums };
            Run(ref job);
        }
        long total = 0;
        foreach (var s in _sums) total += s;
        return total;
    }

    private void Run(ref Job job)
    {
        if (Threads == 1) job.Execute(0, Bytes / ChunkBytes);
        else WorkerPool.Shared(Threads).Run(Bytes / ChunkBytes, 1, ref job);
    }

    private static byte* Pointer(byte[] a) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(a));

    /// <summary>Chunk i: copies Src → Dst, or (Dst null) adds up Src's 64-bit words four vectors at a time, touching
    /// every byte, into Sums[i].</summary>
    private struct Job : IRangeJob
    {
        public byte* Src;
        public byte* Dst;
        public long* Sums;

        public readonly void Execute(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                byte* s = Src + (long)i * ChunkBytes;
                if (Dst != null)
                {
                    Buffer.MemoryCopy(s, Dst + (long)i * ChunkBytes, ChunkBytes, ChunkBytes);
                    continue;
                }
                Vector256<long> a = default, b = default, c = default, d = default;
                for (int o = 0; o < ChunkBytes; o += 128)
                {
                    a += Vector256.Load((long*)(s + o));
                    b += Vector256.Load((long*)(s + o + 32));
                    c += Vector256.Load((long*)(s + o + 64));
                    d += Vector256.Load((long*)(s + o + 96));
                }
                Sums[i] = Vector256.Sum(a + b + c + d);
            }
        }
    }
}
