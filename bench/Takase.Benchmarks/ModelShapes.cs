namespace Takase.Benchmarks;

/// <summary>The two reference models of the llama.cpp figures (/work/shared/bench/llamacpp-cpu.md), by their shapes.</summary>
public enum ModelShape
{
    /// <summary>Qwen2.5-0.5B: hidden 896, FFN 4864, 14 heads / 2 KV heads × 64, 24 layers, vocab 151936.</summary>
    Qwen05B,
    /// <summary>Llama-3.2-1B: hidden 2048, FFN 8192, 32 heads / 8 KV heads × 64, 16 layers, vocab 128256.</summary>
    Llama1B,
}

/// <summary>The dimensions of a <see cref="ModelShape"/> the kernels see.</summary>
public readonly record struct ModelDims(int Hidden, int Ffn, int Heads, int KvHeads, int HeadDim, int Layers, int Vocab)
{
    public int QDim => Heads * HeadDim;
    public int KvDim => KvHeads * HeadDim;

    public static ModelDims Of(ModelShape shape) => shape switch
    {
        ModelShape.Qwen05B => new(Hidden: 896, Ffn: 4864, Heads: 14, KvHeads: 2, HeadDim: 64, Layers: 24, Vocab: 151936),
        ModelShape.Llama1B => new(Hidden: 2048, Ffn: 8192, Heads: 32, KvHeads: 8, HeadDim: 64, Layers: 16, Vocab: 128256),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no dimensions for this model shape"),
    };
}
