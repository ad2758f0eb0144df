using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// Argument checks shared by every kernel, and the view of raw bytes as ggml block structs.
/// Blocks are read in place (little-endian, unaligned), exactly as they lie in a memory-mapped GGUF file.
/// </summary>
internal static class BlockSpans
{
    /// <summary>The blocks holding <paramref name="elements"/> elements; throws when the counts do not match.</summary>
    public static ReadOnlySpan<TBlock> Read<TBlock>(ReadOnlySpan<byte> bytes, int elements, int blockSize, string type)
        where TBlock : unmanaged
    {
        Check(bytes.Length, elements, blockSize, Unsafe.SizeOf<TBlock>(), type);
        return MemoryMarshal.Cast<byte, TBlock>(bytes);
    }

    /// <summary>Writable blocks for <paramref name="elements"/> elements; throws when the counts do not match.</summary>
    public static Span<TBlock> Write<TBlock>(Span<byte> bytes, int elements, int blockSize, string type)
        where TBlock : unmanaged
    {
        Check(bytes.Length, elements, blockSize, Unsafe.SizeOf<TBlock>(), type);
        return MemoryMarshal.Cast<byte, TBlock>(bytes);
    }

    public static void Check(int byteLength, int elements, int blockSize, int blockBytes, string type)
    {
        if (elements % blockSize != 0)
            throw new ArgumentException($"{type} stores elements in blocks of {blockSize}; {elements} elements is not a multiple of it.");
        long expected = (long)(elements / blockSize) * blockBytes;
        if (byteLength != expected)
            throw new ArgumentException($"{type}: {elements} elements take {expected} bytes, but {byteLength} bytes were given.");
    }
}
