using Takase.Engine.Gguf;

namespace Takase.Engine.Models;

/// <summary>
/// Matches the pairs of the requested adapters to a base model's tensors while the model loads, checking everything
/// llama.cpp checks (adapter type, architecture, tensor names, shapes) and one thing more: that every pair is applied
/// somewhere, so an adapter for a tensor this engine only reads as a vector is refused rather than silently dropped.
/// </summary>
internal sealed class LoraBinding
{
    private readonly GgufFile _base;
    private readonly List<(LoraAdapter Adapter, float Scale)> _adapters = [];
    private readonly HashSet<(LoraAdapter, string)> _bound = [];

    public LoraBinding(GgufFile baseFile, IReadOnlyList<AdapterSpec> specs)
    {
        _base = baseFile;
        foreach (var spec in specs)
        {
            if (!float.IsFinite(spec.Scale))
                throw new ArgumentException($"adapter {spec.Path}: scale {spec.Scale} is not a finite number", nameof(specs));
            var adapter = LoraAdapter.Load(spec.Path);
            if (adapter.Architecture != baseFile.Architecture)
                throw new GgufFormatException($"{adapter.Path}: the adapter is for architecture '{adapter.Architecture}' but the model {baseFile.Path} is '{baseFile.Architecture}'; use an adapter trained for this base model");
            foreach (var name in adapter.Pairs.Keys)
                if (baseFile.FindTensor(name) is null)
                    throw new GgufFormatException($"{adapter.Path}: the adapter changes tensor '{name}', which the model {baseFile.Path} does not have; was it trained for a different base model?");
            _adapters.Add((adapter, spec.Scale));
        }
    }

    /// <summary>The loaded adapters with their user scales, in the order given.</summary>
    public IReadOnlyList<(LoraAdapter Adapter, float Scale)> Adapters => _adapters;

    /// <summary>The largest rank of any pair: the scratch a forward state needs.</summary>
    public int MaxRank => _adapters.SelectMany(a => a.Adapter.Pairs.Values).Select(p => p.Rank).DefaultIfEmpty(0).Max();

    /// <summary>A projection over <paramref name="w"/> with every adapter's update for it (ne A = [n_in, r], B = [r, n_out]).</summary>
    public Linear Matrix(Weight w) => new(w, Updates(w, (a, b) =>
        a.Cols == w.Cols && b.Rows == w.Rows && a.Rows == b.Cols,
        $"expected lora_a [{w.Cols}, rank] and lora_b [rank, {w.Rows}]"));

    /// <summary>The updates of the token embedding <paramref name="w"/>, whose halves are flipped (ne A = [r, n_vocab], B = [r, n_embd]).</summary>
    public LoraUpdate[] Embedding(Weight w) => Updates(w, (a, b) =>
        a.Rows == w.Rows && b.Rows == w.Cols && a.Cols == b.Cols,
        $"expected lora_a [rank, {w.Rows}] and lora_b [rank, {w.Cols}] (token embeddings are looked up, so their halves are flipped)");

    /// <summary>Refuses pairs no projection took: a tensor the engine reads as a vector (a norm, a bias) cannot take a LoRA update.</summary>
    public void RequireAllBound()
    {
        foreach (var (adapter, _) in _adapters)
            foreach (var name in adapter.Pairs.Keys)
                if (!_bound.Contains((adapter, name)))
                    throw new NotSupportedException($"{adapter.Path}: the adapter changes '{name}', which this engine does not use as a matrix; LoRA applies to the attention and feed-forward projections, the token embedding and output.weight");
    }

    private LoraUpdate[] Updates(Weight w, Func<LoraMatrix, LoraMatrix, bool> fits, string expected)
    {
        var updates = new List<LoraUpdate>();
        foreach (var (adapter, scale) in _adapters)
        {
            if (!adapter.Pairs.TryGetValue(w.Name, out var pair)) continue;
            if (!fits(pair.A, pair.B))
                throw new GgufFormatException($"{adapter.Path}: the LoRA pair for '{w.Name}' does not fit the base tensor [{w.Cols}, {w.Rows}] of {_base.Path}: lora_a is {pair.A.ShapeText}, lora_b is {pair.B.ShapeText}; {expected}. Was it trained for a different base model?");
            _bound.Add((adapter, w.Name));
            // Scale 0 switches the adapter off: checked above, but costs nothing per token.
            if (scale != 0f) updates.Add(new LoraUpdate(pair, adapter.ScaleFor(pair, scale)));
        }
        return [.. updates];
    }
}
