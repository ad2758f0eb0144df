using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Engine.Conversion;

/// <summary>One entry of tokenizer.json's "added_tokens".</summary>
internal sealed record HfAddedToken(int Id, string Content, bool Special);

/// <summary>Special token ids as resolved from tokenizer_config.json and config.json.</summary>
internal readonly record struct HfSpecialTokens(int? Bos, int? Eos, int? Unknown, int? Separator, int? Padding, int? Cls, int? Mask);

/// <summary>
/// The three files of a Hugging Face tokenizer, parsed, with the lookups every tokenizer kind needs: added tokens,
/// special ids and the add-BOS/EOS/SEP switches. Errors name the file and the field.
/// </summary>
internal sealed record HfTokenizerSource(string Path, JsonObject Json, string TokenizerConfigPath, JsonObject? TokenizerConfig, string ConfigPath, JsonObject? Config)
{
    private static readonly string[] SpecialKinds = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"];

    private IReadOnlyList<HfAddedToken>? _added;

    /// <summary>tokenizer.json's "model" object.</summary>
    public JsonObject Model => Json["model"] as JsonObject ?? throw Bad("model", "is missing or not an object");

    /// <summary>An error about <paramref name="field"/> of tokenizer.json.</summary>
    public InvalidDataException Bad(string field, string problem) => new($"{Path}: {field} {problem}");

    /// <summary>tokenizer.json's added_tokens, in file order.</summary>
    public IReadOnlyList<HfAddedToken> AddedTokens => _added ??= ReadAddedTokens();

    private List<HfAddedToken> ReadAddedTokens()
    {
        var result = new List<HfAddedToken>();
        if (Json["added_tokens"] is not JsonArray list) return result;
        for (var i = 0; i < list.Count; i++)
        {
            var field = $"added_tokens[{i}]";
            if (list[i] is not JsonObject o || o["id"] is not JsonValue id || id.GetValueKind() != JsonValueKind.Number || (string?)o["content"] is not { } content)
                throw Bad(field, "needs an integer id and a content string");
            result.Add(new HfAddedToken((int)id, content, (bool?)o["special"] ?? false));
        }
        return result;
    }

    /// <summary>
    /// bos, eos, unk, sep, pad, cls and mask: tokenizer_config.json's "X_token" (a text, or an object with "content")
    /// looked up among the tokens, else config.json's integer "X_token_id", as llama.cpp's converter does.
    /// </summary>
    public HfSpecialTokens ResolveSpecials(HfTokenTable table)
    {
        var ids = new Dictionary<string, int?>();
        foreach (var kind in SpecialKinds)
        {
            int? id = null;
            var entry = TokenizerConfig?[$"{kind}_token"];
            var content = entry switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => (string?)v,
                JsonObject o => (string?)o["content"],
                _ => null,
            };
            if (content is not null) id = AddedTokens.FirstOrDefault(a => a.Content == content)?.Id ?? table.Find(content);
            if (id is null && Config?[$"{kind}_token_id"] is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
            {
                id = (int)number;
                if (id < 0 || id >= table.Tokens.Length)
                    throw new InvalidDataException($"{ConfigPath}: {kind}_token_id is {id}, outside the vocabulary of {table.Tokens.Length} tokens");
            }
            ids[kind] = id;
        }
        return new HfSpecialTokens(ids["bos"], ids["eos"], ids["unk"], ids["sep"], ids["pad"], ids["cls"], ids["mask"]);
    }

    /// <summary>
    /// Whether encoding adds BOS, EOS and SEP, as the post-processor's templates show (null: not stated), then
    /// tokenizer_config.json's add_bos_token / add_eos_token / add_sep_token where present.
    /// </summary>
    public (bool? AddBos, bool? AddEos, bool? AddSep) AddFlags(HfTokenTable table, HfSpecialTokens specials)
    {
        bool? addBos = null, addEos = null, addSep = null;
        foreach (var processor in HfTokenizerImporter.Steps(Json["post_processor"], "processors"))
        {
            var type = (string?)processor["type"];
            if (type == "RobertaProcessing") (addBos, addEos, addSep) = (true, true, true);
            else if (type == "BertProcessing") (addBos, addSep) = (true, true);
            else if (type == "TemplateProcessing") ReadTemplate(processor, table, specials, ref addBos, ref addEos, ref addSep);
        }
        bool? Flag(string key) => TokenizerConfig?[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? (bool)v : null;
        return (Flag("add_bos_token") ?? addBos, Flag("add_eos_token") ?? addEos, Flag("add_sep_token") ?? addSep);
    }

    // single: "[first] $A [last]" says whether BOS (or CLS) leads and EOS (or SEP) ends a sequence; pair: a special
    // between $A and $B is a separator only when nothing ends the sequence (as llama.cpp reads it).
    private void ReadTemplate(JsonObject processor, HfTokenTable table, HfSpecialTokens specials, ref bool? addBos, ref bool? addEos, ref bool? addSep)
    {
        int? Special(JsonNode? item)
        {
            if ((string?)item?["SpecialToken"]?["id"] is not { } name) return null;
            if (processor["special_tokens"]?[name]?["ids"] is JsonArray { Count: > 0 } ids) return (int?)ids[0];
            return table.Find(name) ?? throw Bad("post_processor.special_tokens", $"names '{name}', which is not a token");
        }
        var single = processor["single"] as JsonArray ?? [];
        int? first = null, last = null;
        if (single.Count > 1)
        {
            first = Special(single[0]);
            last = Special(single[^1]);
            if (first is { } f) addBos = f == specials.Bos || f == specials.Cls;
            if (last is { } l)
            {
                addEos = l == specials.Eos;
                if (l != specials.Eos && l == specials.Separator) addSep = true;
            }
        }
        if (processor["pair"] is not JsonArray pair || pair.Count == 0) return;
        var start = first is not null && Special(pair[0]) == first ? 1 : 0;
        var stop = last is not null && Special(pair[^1]) == last ? pair.Count - 1 : pair.Count;
        var middle = pair.Take(stop).Skip(start).ToList();
        if (middle.Count < 3) return; // nothing between $A and $B
        var between = Special(middle[1]);
        addSep ??= between is { } b && (b == specials.Separator || b == specials.Eos) && last is null;
    }

    /// <summary>The llama.cpp converter's test for added tokens that are control tokens though not marked special.</summary>
    public static bool LooksSpecial(string text) =>
        text is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal))
        || (text.StartsWith("<\uFF5C", StringComparison.Ordinal) && text.EndsWith("\uFF5C>", StringComparison.Ordinal))
        || (text.StartsWith("<unused", StringComparison.Ordinal) && text.EndsWith('>'));
}

/// <summary>
/// The token texts and types being built, indexed by id, with a text → id lookup over the original texts.
/// </summary>
internal sealed class HfTokenTable
{
    private readonly Dictionary<string, int> _ids;

    private HfTokenTable(string[] tokens, int[] types, Dictionary<string, int> ids) => (Tokens, Types, _ids) = (tokens, types, ids);

    /// <summary>Token text per id.</summary>
    public string[] Tokens { get; }

    /// <summary>llama.cpp token type per id.</summary>
    public int[] Types { get; }

    /// <summary>The id of <paramref name="text"/> (as tokenizer.json spells it), or null.</summary>
    public int? Find(string text) => _ids.TryGetValue(text, out var id) ? id : null;

    /// <summary>From a BPE or WordPiece "vocab" object (text → id).</summary>
    public static HfTokenTable FromDictionary(HfTokenizerSource s, int? vocabSize)
    {
        var vocab = s.Model["vocab"] as JsonObject ?? throw s.Bad("model.vocab", "is missing or not an object of token → id");
        var entries = new List<(string Text, int Id)>(vocab.Count);
        foreach (var (text, value) in vocab)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw s.Bad("model.vocab", $"maps '{text}' to {value?.ToJsonString() ?? "null"}; expected an integer id");
            entries.Add((text, (int)v));
        }
        return Build(s, entries, vocabSize);
    }

    /// <summary>From a Unigram piece list (id = position).</summary>
    public static HfTokenTable FromList(HfTokenizerSource s, string[] pieces, int? vocabSize) =>
        Build(s, pieces.Select((text, id) => (text, id)).ToList(), vocabSize);

    private static HfTokenTable Build(HfTokenizerSource s, List<(string Text, int Id)> entries, int? vocabSize)
    {
        var maxId = entries.Select(e => e.Id).Concat(s.AddedTokens.Select(a => a.Id)).DefaultIfEmpty(-1).Max();
        if (maxId < 0) throw s.Bad("model.vocab", "is empty");
        var n = maxId + 1;
        if (vocabSize is { } size)
        {
            if (size < n)
                throw new InvalidDataException($"{s.ConfigPath}: vocab_size is {size}, but {s.Path} uses ids up to {maxId}; the tokenizer does not belong to this model");
            n = size;
        }
        var tokens = new string[n];
        var types = new int[n];
        var ids = new Dictionary<string, int>(n, StringComparer.Ordinal);
        foreach (var (text, id) in entries)
        {
            if (id < 0) throw s.Bad("model.vocab", $"gives '{text}' the negative id {id}");
            if (tokens[id] is { } previous) throw s.Bad("model.vocab", $"gives id {id} to both '{previous}' and '{text}'");
            tokens[id] = text;
            types[id] = HfTokenizerVocabulary.Normal;
            ids.TryAdd(text, id);
        }
        // Ids without a token (an embedding matrix padded past the vocabulary) become unused placeholders.
        for (var id = 0; id < n; id++)
        {
            if (tokens[id] is not null) continue;
            tokens[id] = $"[PAD{id}]";
            types[id] = HfTokenizerVocabulary.Unused;
        }
        foreach (var a in s.AddedTokens) ids.TryAdd(a.Content, a.Id);
        return new HfTokenTable(tokens, types, ids);
    }

    /// <summary>
    /// Marks the added tokens: control when special (or looking special), else user-defined. llama.cpp's byte-level
    /// and WordPiece converters write ▁ in user-defined tokens as a plain space (<paramref name="spacesInUserDefined"/>).
    /// </summary>
    public void ApplyAddedTokens(HfTokenizerSource s, bool spacesInUserDefined)
    {
        foreach (var a in s.AddedTokens)
        {
            var control = a.Special || HfTokenizerSource.LooksSpecial(a.Content);
            Tokens[a.Id] = control || !spacesInUserDefined ? a.Content : a.Content.Replace('\u2581', ' ');
            Types[a.Id] = control ? HfTokenizerVocabulary.Control : HfTokenizerVocabulary.UserDefined;
        }
    }
}
