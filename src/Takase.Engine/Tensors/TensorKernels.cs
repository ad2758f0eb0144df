namespace Takase.Engine.Tensors;

/// <summary>
/// Expands whole blocks of one element type into floats.
/// </summary>
/// <param name="blocks">Exactly <c>dst.Length / BlockSize</c> blocks of the type's bytes.</param>
/// <param name="dst">Receives one float per element; its length must be a multiple of the block size.</param>
public delegate void DequantizeKernel(ReadOnlySpan<byte> blocks, Span<float> dst);

/// <summary>
/// The dot product of one stored row with a float vector, without materialising the row as floats,
/// so matrix-vector products over quantized weights need no scratch memory.
/// </summary>
/// <param name="row">The row's bytes: <c>RowBytes(x.Length)</c> of them.</param>
/// <param name="x">The vector; its length is the row's element count (a multiple of the block size).</param>
public delegate float DotKernel(ReadOnlySpan<byte> row, ReadOnlySpan<float> x);

/// <summary>
/// Encodes floats into whole blocks of one element type with ggml's reference algorithm,
/// so files Takase writes hold the same bytes llama-quantize would write.
/// </summary>
/// <param name="src">The floats; their count must be a multiple of the block size.</param>
/// <param name="dst">Receives exactly <c>RowBytes(src.Length)</c> bytes.</param>
public delegate void QuantizeKernel(ReadOnlySpan<float> src, Span<byte> dst);
