using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Models;

/// <summary>
/// A LoRA adapter to apply when a model loads (the Modelfile's ADAPTER instruction, llama.cpp's <c>--lora</c>).
/// </summary>
/// <param name="Path">The adapter GGUF (general.type = "adapter", adapter.type = "lora").</param>
/// <param name="Scale">The user's strength: 0 turns the adapter off, 1 applies it as trained.</param>
public sealed record AdapterSpec(string Path, float Scale = 1f);

/// <summary>
/// A LoRA adapter read from a GGUF file as llama.cpp's convert_lora_to_gguf.py writes it: for each adapted base tensor
/// <c>NAME</c>, a pair <c>NAME.lora_a</c> and <c>NAME.lora_b</c>, plus <c>adapter.lora.alpha</c>. The pairs are small,
/// so they are dequantized to F32 here and the file is closed: the base model's mapped weights are never touched.
/// </summary>
public sealed class LoraAdapter
{
    private const string SuffixA = ".lora_a";
    private const string SuffixB = ".lora_b";

    /// <summary>The file the adapter came from, for messages.</summary>
    public string Path { get; }
    /// <summary>general.architecture: must equal the base model's.</summary>
    public string Architecture { get; }
    /// <summary>adapter.lora.alpha; 0 (or absent) means "use the user's scale as is".</summary>
    public float Alpha { get; }
    /// <summary>The pairs, by the name of the base tensor they adapt.</summary>
    public IReadOnlyDictionary<string, LoraPair> Pairs { get; }
    /// <summary>
    /// Norm vectors the file carries (<c>*_norm.weight</c>). Like llama.cpp, they are not applied: most adapters
    /// work without them. Listed so a caller can warn.
    /// </summary>
    public IReadOnlyList<string> IgnoredTensors { get; }

    private LoraAdapter(string path, string architecture, float alpha, Dictionary<string, LoraPair> pairs, List<string> ignored)
    {
        Path = path;
        Architecture = architecture;
        Alpha = alpha;
        Pairs = pairs;
        IgnoredTensors = ignored;
    }

    /// <summary>Reads and checks an adapter file; does not yet check it against a base model.</summary>
    /// <exception cref="GgufFormatException">the file is not a LoRA adapter, or a pair is incomplete or malformed.</exception>
    public static LoraAdapter Load(string path)
    {
        using var file = GgufFile.Open(path);
        var generalType = file.GetString("general.type");
        if (generalType != "adapter")
            throw new GgufFormatException($"{path}: not an adapter (general.type is {Quoted(generalType)}; a LoRA adapter GGUF has 'adapter'). Is this a model file rather than an adapter?");
        var adapterType = file.GetString("adapter.type");
        if (adapterType != "lora")
            throw new GgufFormatException($"{path}: adapter.type is {Quoted(adapterType)}; only 'lora' adapters are supported");
        var architecture = file.Architecture
            ?? throw new GgufFormatException($"{path}: the adapter has no general.architecture, so it cannot be matched to a base model");
        var alpha = file.GetFloat("adapter.lora.alpha") ?? 0f;
        if (!float.IsFinite(alpha)) throw new GgufFormatException($"{path}: adapter.lora.alpha is {alpha}");

        var a = new Dictionary<string, GgufTensorInfo>();
        var b = new Dictionary<string, GgufTensorInfo>();
        var ignored = new List<string>();
        foreach (var t in file.Tensors)
        {
            if (t.Name.EndsWith(SuffixA, StringComparison.Ordinal)) a[t.Name[..^SuffixA.Length]] = t;
            else if (t.Name.EndsWith(SuffixB, StringComparison.Ordinal)) b[t.Name[..^SuffixB.Length]] = t;
            else if (t.Name.EndsWith("_norm.weight", StringComparison.Ordinal)) ignored.Add(t.Name);
            else throw new GgufFormatException($"{path}: tensor '{t.Name}' is neither a '{SuffixA}' nor a '{SuffixB}' half of a LoRA pair");
        }
        foreach (var name in a.Keys.Union(b.Keys))
            if (!a.ContainsKey(name) || !b.ContainsKey(name))
                throw new GgufFormatException($"{path}: the LoRA pair of '{name}' lacks '{name}{(a.ContainsKey(name) ? SuffixB : SuffixA)}'");

        var pairs = new Dictionary<string, LoraPair>();
        foreach (var (name, ta) in a.OrderBy(p => p.Key, StringComparer.Ordinal))
            pairs[name] = new LoraPair(name, ReadMatrix(file, ta), ReadMatrix(file, b[name]));
        return new LoraAdapter(path, architecture, alpha, pairs, ignored);
    }

    /// <summary>
    /// The factor B·A is multiplied by, as llama.cpp computes it: <c>userScale · alpha / rank</c> when alpha is set,
    /// else <c>userScale</c>. The rank is the pair's own (its B row length), so pairs of different ranks scale right.
    /// </summary>
    public float ScaleFor(LoraPair pair, float userScale) => Alpha != 0f ? userScale * Alpha / pair.Rank : userScale;

    private static LoraMatrix ReadMatrix(GgufFile file, GgufTensorInfo t)
    {
        if (t.Shape.Length > 2 && t.Shape.Skip(2).Any(d => d != 1))
            throw new GgufFormatException($"{file.Path}: LoRA tensor '{t.Name}' has shape {t.ShapeText}; expected a matrix");
        if (t.Shape.Any(d => d > int.MaxValue) || t.ElementCount > int.MaxValue)
            throw new GgufFormatException($"{file.Path}: LoRA tensor '{t.Name}' with shape {t.ShapeText} is too large for an adapter");
        var type = TensorTypes.Get(t.Type);
        if (type.Dequantize is null)
            throw new GgufFormatException($"{file.Path}: LoRA tensor '{t.Name}' is {type.Name}, which cannot be dequantized; store adapters as F32, F16, BF16 or Q8_0");
        var cols = (int)t.Shape[0];
        var rows = t.Shape.Length > 1 ? (int)t.Shape[1] : 1;
        var bytes = file.TensorBytes(t);
        var rowBytes = (int)type.RowBytes(cols);
        var values = new float[(long)rows * cols];
        for (var r = 0; r < rows; r++)
            type.Dequantize(bytes.Slice(r * rowBytes, rowBytes), values.AsSpan(r * cols, cols));
        return new LoraMatrix(t.Name, rows, cols, values);
    }

    private static string Quoted(string? value) => value is null ? "absent" : $"'{value}'";
}

/// <summary>A dequantized LoRA tensor: <see cref="Rows"/> rows of <see cref="Cols"/> floats (ggml ne = [Cols, Rows]).</summary>
/// <param name="Name">Name in the adapter file, for messages.</param>
/// <param name="Rows">ne1.</param>
/// <param name="Cols">ne0: the length of each row.</param>
/// <param name="Values">Row-major values.</param>
public sealed record LoraMatrix(string Name, int Rows, int Cols, float[] Values)
{
    /// <summary>One row.</summary>
    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Cols, Cols);

    /// <summary>The shape as ggml prints it, e.g. "[64, 4]".</summary>
    public string ShapeText => $"[{Cols}, {Rows}]";
}

/// <summary>
/// The two halves of the update to one base tensor W. For a matrix W with ggml ne = [n_in, n_out] (the usual case),
/// A has ne = [n_in, rank] and B has ne = [rank, n_out], and the layer computes W·x + scale·B·(A·x). For the token
/// embedding, whose rows are looked up rather than multiplied, llama.cpp flips the halves: A has ne = [rank, n_vocab]
/// (one rank-vector per token) and B has ne = [rank, n_embd].
/// </summary>
/// <param name="BaseName">The adapted base tensor, e.g. "blk.0.attn_q.weight".</param>
/// <param name="A">The lora_a half.</param>
/// <param name="B">The lora_b half.</param>
public sealed record LoraPair(string BaseName, LoraMatrix A, LoraMatrix B)
{
    /// <summary>The rank: the row length of B in both layouts.</summary>
    public int Rank => B.Cols;
}
