using System.Buffers;
using System.Runtime.InteropServices;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Conversion;

/// <summary>One tensor the quantizer has written (reported as it goes, for progress lines).</summary>
/// <param name="Index">0-based position in the file.</param>
/// <param name="Count">Number of tensors in the file.</param>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Shape, ne0 first.</param>
/// <param name="From">Type in the input.</param>
/// <param name="To">Type in the output.</param>
/// <param name="BytesBefore">Bytes in the input.</param>
/// <param name="BytesAfter">Bytes in the output.</param>
/// <param name="Fallback">Why the type differs from the one the mix wanted, when it does.</param>
public sealed record QuantizedTensor(int Index, int Count, string Name, long[] Shape, GgmlType From, GgmlType To,
    long BytesBefore, long BytesAfter, string? Fallback);

/// <summary>The outcome of a <see cref="ModelQuantizer"/> run.</summary>
/// <param name="Type">The file type written.</param>
/// <param name="InputBytes">Size of the input file.</param>
/// <param name="OutputBytes">Size of the output file.</param>
/// <param name="Tensors">Every tensor, in file order.</param>
/// <param name="Warnings">Things the user should know (requantized input, fallbacks), one line each.</param>
public sealed record QuantizationReport(QuantizationType Type, long InputBytes, long OutputBytes,
    IReadOnlyList<QuantizedTensor> Tensors, IReadOnlyList<string> Warnings);

/// <summary>
/// GGUF in, GGUF out with another file type, as llama-quantize does: the <see cref="QuantizationRecipe"/> picks each
/// tensor's type, matrices are converted row by row (in parallel) with the reference quantizers of
/// <see cref="TensorTypes"/>, every metadata value is copied, general.file_type is set, and the file is written
/// atomically (a failure leaves no output file). Already-quantized inputs are dequantized to F32 first, which
/// compounds the rounding error: quantize from F16/BF16/F32 where you can.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>ggml's quantization format version, written as general.quantization_version.</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>Quantizes <paramref name="inputPath"/> to <paramref name="outputPath"/> as <paramref name="typeName"/>
    /// (a llama-quantize name such as "Q4_K_M", any case).</summary>
    /// <exception cref="ArgumentException">unknown type name, or output path equal to the input.</exception>
    /// <exception cref="GgufFormatException">the input is not a GGUF file.</exception>
    public static QuantizationReport Quantize(string inputPath, string outputPath, string typeName,
        Action<QuantizedTensor>? onTensor = null, CancellationToken cancel = default) =>
        Quantize(inputPath, outputPath, QuantizationType.Parse(typeName), onTensor, cancel);

    /// <summary>Quantizes <paramref name="inputPath"/> to <paramref name="outputPath"/> as <paramref name="type"/>.</summary>
    public static QuantizationReport Quantize(string inputPath, string outputPath, QuantizationType type,
        Action<QuantizedTensor>? onTensor = null, CancellationToken cancel = default)
    {
        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
            throw new ArgumentException($"the output path {outputPath} is the input file; write the quantized model to a new file");
        using var input = GgufFile.Open(inputPath);
        if (input.GetInteger("split.count") is > 1)
            throw new NotSupportedException($"{inputPath} is one part of a split GGUF ({input.GetInteger("split.count")} parts); merge the parts first (llama-gguf-split --merge)");

        var tensors = input.Tensors;
        var choices = QuantizationRecipe.Choose(type, RecipeModel.FromGguf(input),
            tensors.Select(t => new RecipeTensor(t.Name, t.Type, t.Shape)).ToList());
        var warnings = new List<string>();
        var requantized = tensors.Zip(choices).Where(p => p.Second.Quantizable && p.First.Type != p.Second.Type && IsBlockQuantized(p.First.Type))
            .Select(p => TensorTypes.Get(p.First.Type).Name).Distinct().ToList();
        if (requantized.Count > 0)
            warnings.Add($"the input is already quantized ({string.Join(", ", requantized)}): requantizing loses quality; quantize from an F16, BF16 or F32 model where you can");
        var fallbacks = choices.Count(c => c.Fallback is not null);
        if (fallbacks > 0)
            warnings.Add($"{fallbacks} of {tensors.Count} tensors needed a fallback type because their rows do not fill the mix's blocks");

        var writer = new GgufWriter(3, input.Alignment);
        foreach (var key in input.MetadataKeys)
            if (!key.StartsWith("split.", StringComparison.Ordinal)) writer.Add(key, input.Metadata[key]);
        writer.Add("general.quantization_version", QuantizationVersion);
        writer.Add("general.file_type", type.FileType);

        // Each tensor is converted when the writer reaches it: one tensor's output in memory at a time, whatever the
        // model's size.
        var written = new List<QuantizedTensor>(tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var index = i;
            var tensor = tensors[i];
            var to = choices[i].Type;
            writer.AddTensor(tensor.Name, to, tensor.Shape, stream =>
            {
                cancel.ThrowIfCancellationRequested();
                var data = to == tensor.Type ? Unchanged(input, tensor) : Convert(input, tensor, to, cancel);
                stream.Write(data.Span);
                var done = new QuantizedTensor(index, tensors.Count, tensor.Name, tensor.Shape, tensor.Type, to, tensor.ByteSize, data.Length, choices[index].Fallback);
                written.Add(done);
                onTensor?.Invoke(done);
            });
        }
        writer.Write(outputPath);
        return new QuantizationReport(type, input.FileSize, new FileInfo(outputPath).Length, written, warnings);
    }

    private static bool IsBlockQuantized(GgmlType type) => TensorTypes.Get(type).BlockSize > 1;

    /// <summary>A tensor copied as is: the bytes stay in the input's mapping until the writer copies them out.</summary>
    private static unsafe ReadOnlyMemory<byte> Unchanged(GgufFile input, GgufTensorInfo tensor) =>
        new MappedBytes(input.TensorPointer(tensor), CheckedLength(tensor.ByteSize, tensor.Name)).Memory;

    /// <summary>Converts a tensor to <paramref name="to"/>, rows in parallel chunks: each chunk is dequantized
    /// (unless already F32) into a scratch buffer and quantized straight into its place in the output.</summary>
    private static unsafe byte[] Convert(GgufFile input, GgufTensorInfo tensor, GgmlType to, CancellationToken cancel)
    {
        var source = TensorTypes.Get(tensor.Type);
        var target = TensorTypes.Get(to);
        var dequantize = tensor.Type == GgmlType.F32 ? null : source.Dequantize
            ?? throw new NotSupportedException($"tensor {tensor.Name} is {source.Name}, which Takase cannot dequantize; quantize from an F16, BF16 or F32 model");
        var quantize = target.RequireQuantize();

        var columns = tensor.Shape[0];
        var rows = tensor.ElementCount / columns;
        long inRow = source.RowBytes(columns), outRow = target.RowBytes(columns);
        var output = new byte[CheckedLength(rows * outRow, tensor.Name)];
        var basePtr = (nint)input.TensorPointer(tensor);
        // About 16K elements per chunk (as llama.cpp): big enough to amortise scheduling, small enough to spread.
        var rowsPerChunk = (int)Math.Max(1, 16384 / columns);
        var chunks = (int)((rows + rowsPerChunk - 1) / rowsPerChunk);
        Parallel.For(0, chunks, new ParallelOptions { CancellationToken = cancel }, chunk =>
        {
            var first = (long)chunk * rowsPerChunk;
            var count = (int)Math.Min(rowsPerChunk, rows - first);
            var elements = (int)(count * columns);
            var src = new ReadOnlySpan<byte>((byte*)basePtr + first * inRow, (int)(count * inRow));
            var dst = output.AsSpan((int)(first * outRow), (int)(count * outRow));
            if (dequantize is null)
            {
                quantize(MemoryMarshal.Cast<byte, float>(src), dst);
                return;
            }
            var floats = ArrayPool<float>.Shared.Rent(elements);
            try
            {
                dequantize(src, floats.AsSpan(0, elements));
                quantize(floats.AsSpan(0, elements), dst);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(floats);
            }
        });
        return output;
    }

    private static int CheckedLength(long bytes, string name) => bytes <= Array.MaxLength ? (int)bytes
        : throw new NotSupportedException($"tensor {name} is {bytes} bytes; tensors over 2 GiB cannot be quantized yet");

    /// <summary>Exposes a span of the input's memory mapping as <see cref="Memory{T}"/> without copying it.</summary>
    private sealed unsafe class MappedBytes(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}
