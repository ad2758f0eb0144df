using System.Globalization;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Conversion;

/// <summary>One tensor as the recipe sees it: its name, current type and shape (ne0 first).</summary>
public sealed record RecipeTensor(string Name, GgmlType Type, long[] Shape);

/// <summary>The hyperparameters the recipe's rules look at.</summary>
/// <param name="Architecture">general.architecture (falcon has its own rules).</param>
/// <param name="BlockCount">Number of transformer layers ("more bits" layers are chosen out of these).</param>
/// <param name="HeadCount">Attention heads.</param>
/// <param name="HeadCountKv">Key/value heads (HeadCount / HeadCountKv is the GQA factor).</param>
public sealed record RecipeModel(string Architecture, int BlockCount, int HeadCount, int HeadCountKv)
{
    /// <summary>Reads the hyperparameters from a GGUF file's metadata.</summary>
    public static RecipeModel FromGguf(GgufFile file)
    {
        var arch = file.Architecture ?? "";
        var layers = file.GetInteger($"{arch}.block_count")
            // Without block_count, count the distinct blk.N. prefixes.
            ?? file.Tensors.Select(t => QuantizationRecipe.LayerOf(t.Name)).Where(l => l >= 0).Distinct().Count();
        var heads = file.GetInteger($"{arch}.attention.head_count") ?? 1;
        var kvHeads = file.GetInteger($"{arch}.attention.head_count_kv") ?? heads;
        return new RecipeModel(arch, (int)layers, (int)heads, (int)Math.Max(1, kvHeads));
    }

    /// <summary>Query heads per key/value head.</summary>
    public int GqaFactor => HeadCountKv > 0 ? HeadCount / HeadCountKv : 1;
}

/// <summary>What the recipe chose for one tensor.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Type">The type it is written as (its current type when it is not quantized).</param>
/// <param name="Quantizable">False for tensors that are copied unchanged (vectors, norms, position embeddings…).</param>
/// <param name="Fallback">When the row length did not fit the wanted type's blocks: what was wanted and why it changed.</param>
public sealed record TensorChoice(string Name, GgmlType Type, bool Quantizable, string? Fallback = null);

/// <summary>
/// Chooses the tensor type of every tensor of a model for a file type, following llama.cpp's llama-quant.cpp so that
/// a Takase Q4_K_M file has the same mix as one from llama-quantize:
/// <list type="bullet">
/// <item>only weight matrices (2+ dimensions, name ending in "weight", not a norm) are quantized; vectors stay as they are;</item>
/// <item>output.weight (and token_embd.weight when the embedding is tied to the output) gets Q6_K in every block-quantized
/// mix except Q8_0, or Q8_0 when its rows do not fill the base type's blocks;</item>
/// <item>K mixes give attn_v, ffn_down and attn_output more bits on some layers (_M: "use_more_bits" layers; _S: the first
/// layers; Q3_K_L and Q2_K: everywhere);</item>
/// <item>a row length the chosen type's blocks do not divide falls back (Q2_K/Q3_K→Q4_0, Q4_K→Q5_0, Q5_K→Q5_1,
/// Q6_K→Q8_0), and to F16 when even 32 does not divide it.</item>
/// </list>
/// Importance-matrix, IQ and MoE-specific rules are not part of it: Takase writes none of those types.
/// </summary>
public static class QuantizationRecipe
{
    /// <summary>Chooses a type for each tensor, returned in the order of <paramref name="tensors"/>.</summary>
    public static IReadOnlyList<TensorChoice> Choose(QuantizationType target, RecipeModel model, IReadOnlyList<RecipeTensor> tensors)
    {
        var state = new MixState(target, model)
        {
            AttnVCount = tensors.Count(t => IsAttnVLike(t.Name)),
            // Tied unless the model has a separate output matrix.
            TiedEmbeddings = !tensors.Any(t => t.Name == "output.weight"),
        };
        // llama.cpp walks the tensors sorted by layer, then by name; its per-layer counters depend on that order.
        var order = Enumerable.Range(0, tensors.Count)
            .OrderBy(i => LayerOf(tensors[i].Name))
            .ThenBy(i => tensors[i].Name, StringComparer.Ordinal)
            .ToList();
        var choices = new TensorChoice[tensors.Count];
        foreach (var i in order) choices[i] = state.Choose(tensors[i]);
        return choices;
    }

    /// <summary>Whether llama.cpp would quantize a tensor of this name and rank at all.</summary>
    public static bool AllowsQuantization(string name, int dimensions)
    {
        if (dimensions < 2 || !name.EndsWith("weight", StringComparison.Ordinal)) return false;
        // Norms, MoE routers, position/token-type embeddings and a few tiny special matrices stay as they are.
        string[] kept =
        [
            "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
            "shortconv.conv.weight", "attn_rel_b.weight", "time_mix_", ".position_embd", ".rel_pos", ".patch_embd",
        ];
        if (kept.Any(k => name.Contains(k, StringComparison.Ordinal))) return false;
        return name is not ("position_embd.weight" or "token_types.weight");
    }

    /// <summary>The N of a "blk.N." tensor name, or -1 for tensors outside the layers.</summary>
    internal static int LayerOf(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        var end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), NumberStyles.None, CultureInfo.InvariantCulture, out var layer) ? layer : -1;
    }

    private static bool IsAttnVLike(string name) =>
        name.Contains("attn_v.weight", StringComparison.Ordinal) || name.Contains("attn_qkv.weight", StringComparison.Ordinal)
        || name.Contains("attn_kv_b.weight", StringComparison.Ordinal);

    /// <summary>llama.cpp's use_more_bits: the first and last eighth of the layers and every third layer between.</summary>
    internal static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    /// <summary>The per-file state of a choice pass: the counters of attn_v and ffn_down tensors seen so far.</summary>
    private sealed class MixState(QuantizationType target, RecipeModel model)
    {
        public required int AttnVCount { get; init; }
        public required bool TiedEmbeddings { get; init; }
        private int _attnVSeen;
        private int _ffnDownSeen;
        private string Mix => target.Name;
        private bool Falcon => model.Architecture == "falcon";

        public TensorChoice Choose(RecipeTensor t)
        {
            if (!AllowsQuantization(t.Name, t.Shape.Length)) return new TensorChoice(t.Name, t.Type, false);
            if (!target.IsQuantized) return new TensorChoice(t.Name, target.BaseType, true);
            var wanted = MixType(t);
            var (type, fallback) = FitRows(t, wanted);
            return new TensorChoice(t.Name, type, true, fallback);
        }

        private GgmlType MixType(RecipeTensor t)
        {
            var type = target.BaseType;
            var name = t.Name;
            if (name == "output.weight" || (TiedEmbeddings && name == "token_embd.weight"))
            {
                // The output projection decides every token: it gets Q6_K, or Q8_0 where K blocks do not fit.
                if (Falcon || t.Shape[0] % TensorTypes.Get(type).BlockSize != 0) return GgmlType.Q8_0;
                return type == GgmlType.Q8_0 ? type : GgmlType.Q6_K;
            }
            if (name == "token_embd.weight") return type;
            if (IsAttnVLike(name))
            {
                var layer = _attnVSeen++;
                type = Mix switch
                {
                    "Q2_K" => model.GqaFactor >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K,
                    "Q3_K_M" => layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K,
                    "Q3_K_L" => GgmlType.Q5_K,
                    "Q4_K_M" or "Q5_K_M" when UseMoreBits(layer, AttnVCount) => GgmlType.Q6_K,
                    "Q4_K_S" when layer < 4 => GgmlType.Q5_K,
                    _ => type,
                };
                // Llama-2/3 70B share each attn_v among 8 query heads: more bits there cost almost nothing.
                var is70B = model.Architecture == "llama" && model.BlockCount == 80 && model.HeadCount != model.HeadCountKv;
                if (is70B && type is GgmlType.Q3_K or GgmlType.Q4_K) type = GgmlType.Q5_K;
                return type;
            }
            if (name.Contains("ffn_down", StringComparison.Ordinal))
            {
                int layer = _ffnDownSeen++, layers = model.BlockCount;
                return Mix switch
                {
                    "Q2_K" => GgmlType.Q3_K,
                    "Q3_K_M" => layer < layers / 16 ? GgmlType.Q5_K
                        : !Falcon || UseMoreBits(layer, layers) ? GgmlType.Q4_K : GgmlType.Q3_K,
                    "Q3_K_L" => Falcon ? GgmlType.Q4_K : GgmlType.Q5_K,
                    "Q4_K_M" when Falcon => layer < layers / 16 ? GgmlType.Q6_K : UseMoreBits(layer, layers) ? GgmlType.Q5_K : GgmlType.Q4_K,
                    "Q4_K_M" or "Q5_K_M" when UseMoreBits(layer, layers) => GgmlType.Q6_K,
                    "Q4_K_S" when !Falcon && layer < layers / 8 => GgmlType.Q5_K,
                    _ => type,
                };
            }
            if (name.Contains("attn_output.weight", StringComparison.Ordinal))
            {
                return (Mix, Falcon) switch
                {
                    ("Q2_K", false) => GgmlType.Q3_K,
                    ("Q3_K_M", false) => GgmlType.Q4_K,
                    ("Q3_K_L", false) => GgmlType.Q5_K,
                    ("Q3_K_L", true) => GgmlType.Q4_K,
                    _ => type,
                };
            }
            return type;
        }

        /// <summary>llama.cpp's tensor_type_fallback: a type whose blocks the row length fills.</summary>
        private static (GgmlType Type, string? Why) FitRows(RecipeTensor t, GgmlType wanted)
        {
            var columns = t.Shape[0];
            var block = TensorTypes.Get(wanted).BlockSize;
            if (columns % block == 0) return (wanted, null);
            var fallback = wanted switch
            {
                GgmlType.Q2_K or GgmlType.Q3_K => GgmlType.Q4_0,
                GgmlType.Q4_K => GgmlType.Q5_0,
                GgmlType.Q5_K => GgmlType.Q5_1,
                GgmlType.Q6_K => GgmlType.Q8_0,
                _ => GgmlType.F16, // a 32-element type that does not fit: nothing quantized fits
            };
            if (columns % TensorTypes.Get(fallback).BlockSize != 0) fallback = GgmlType.F16;
            var why = $"{columns} columns are not a multiple of {block} ({TensorTypes.Get(wanted).Name})";
            if (fallback == GgmlType.F16 && block != 32) why += " nor of 32";
            return (fallback, $"{why}: {TensorTypes.Get(fallback).Name} instead");
        }
    }
}
