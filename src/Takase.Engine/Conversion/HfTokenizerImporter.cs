using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takase.Engine.Conversion;

/// <summary>
/// Translates a Hugging Face tokenizer (tokenizer.json, with tokenizer_config.json and config.json beside it) into
/// the <c>tokenizer.ggml.*</c> metadata llama.cpp's converter writes, so a converted model tokenizes as the original:
/// <list type="bullet">
/// <item>byte-level BPE (GPT-2, Llama 3, Qwen2) → <c>gpt2</c>, with the pre-tokenizer named from its split regexes;</item>
/// <item>SentencePiece-style BPE (byte fallback, ▁ for spaces) and Unigram → <c>llama</c>, with scores;</item>
/// <item>WordPiece (BERT) → <c>bert</c>, with llama.cpp's ▁-prefixed word-initial pieces.</item>
/// </list>
/// Special ids come from tokenizer_config.json's <c>*_token</c> entries, then config.json's <c>*_token_id</c>;
/// add_bos/add_eos from tokenizer.json's post-processor, overridden by tokenizer_config.json's <c>add_*_token</c>.
/// Differences from llama.cpp's converter, which runs the Python tokenizer: the byte-level pre-tokenizer is named from
/// the split regexes rather than from a hash of probe-text ids, and added tokens marked "normalized" are written as
/// spelled instead of being encoded and decoded once.
/// </summary>
public static partial class HfTokenizerImporter
{
    /// <summary>The file a Hugging Face folder keeps its fast tokenizer in.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>True when <paramref name="folder"/> has a tokenizer.json to import.</summary>
    public static bool HasTokenizer(string folder) => File.Exists(Path.Combine(folder, TokenizerFileName));

    /// <summary>
    /// Reads the tokenizer of <paramref name="folder"/>. <paramref name="vocabSize"/> is the model's embedding row
    /// count (config.json's vocab_size when not given); ids the tokenizer leaves free up to it become unused
    /// <c>[PAD{id}]</c> tokens. <paramref name="preTokenizer"/> names the byte-level BPE pre-tokenizer when the
    /// tokenizer.json's split rules are not recognised. Throws <see cref="InvalidDataException"/> (naming the file and
    /// field) for malformed files and <see cref="NotSupportedException"/> for tokenizer kinds Takase cannot run.
    /// </summary>
    public static HfTokenizerVocabulary Import(string folder, int? vocabSize = null, string? preTokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, TokenizerFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder} has no {TokenizerFileName}; export the tokenizer with transformers' save_pretrained.", path);
        var json = ReadObject(path)!;
        var tokenizerConfigPath = Path.Combine(folder, "tokenizer_config.json");
        var tokenizerConfig = ReadObject(tokenizerConfigPath);
        var configPath = Path.Combine(folder, "config.json");
        var config = ReadObject(configPath);
        if (vocabSize is null && config?["vocab_size"] is JsonValue size) vocabSize = (int)size;

        var source = new HfTokenizerSource(path, json, tokenizerConfigPath, tokenizerConfig, configPath, config);
        var vocabulary = ((string?)source.Model["type"] ?? InferModelType(source.Model)) switch
        {
            "BPE" when IsByteLevel(json) => ByteLevelBpe(source, vocabSize, preTokenizer),
            "BPE" when IsSentencePieceStyle(json) => SentencePieceBpe(source, vocabSize),
            "BPE" => throw new NotSupportedException($"{path}: model.type is BPE but the tokenizer is neither byte-level (a ByteLevel pre-tokenizer or decoder) nor SentencePiece-style (byte_fallback or ▁ for spaces); Takase cannot run it."),
            "Unigram" => Unigram(source, vocabSize),
            "WordPiece" => WordPiece(source, vocabSize),
            var other => throw new NotSupportedException($"{path}: model.type '{other}' is not supported; Takase imports BPE, Unigram and WordPiece tokenizers."),
        };
        var (template, named) = ReadChatTemplates(folder, tokenizerConfigPath, tokenizerConfig);
        return vocabulary with { ChatTemplate = template, NamedChatTemplates = named };
    }

    // ---- the three model kinds -------------------------------------------------------------------------------------

    private static HfTokenizerVocabulary ByteLevelBpe(HfTokenizerSource s, int? vocabSize, string? preOverride)
    {
        var pre = preOverride ?? HfPreTokenizerNames.Detect(s.Json["pre_tokenizer"], out var rules)
            ?? throw new NotSupportedException(
                $"{s.Path}: pre_tokenizer splits by [{string.Join(", ", rules.Select(r => $"\"{r}\""))}], which matches no pre-tokenizer Takase knows " +
                $"({string.Join(", ", HfPreTokenizerNames.Names)}); name the llama.cpp pre-tokenizer explicitly (takase convert --tokenizer-pre NAME).");
        var table = HfTokenTable.FromDictionary(s, vocabSize);
        table.ApplyAddedTokens(s, spacesInUserDefined: true);
        var specials = s.ResolveSpecials(table);
        var (addBos, addEos, addSep) = s.AddFlags(table, specials);
        return new HfTokenizerVocabulary
        {
            Model = "gpt2",
            Pre = pre,
            Tokens = table.Tokens,
            TokenTypes = table.Types,
            Merges = ReadMerges(s),
            BosId = specials.Bos,
            EosId = specials.Eos,
            UnknownId = specials.Unknown,
            SeparatorId = specials.Separator,
            PaddingId = specials.Padding,
            ClsId = specials.Cls,
            MaskId = specials.Mask,
            AddBos = addBos,
            AddEos = addEos,
            AddSep = addSep,
        };
    }

    // SentencePiece BPE exported as tokenizer.json (Llama 2, Mistral, TinyLlama): llama.cpp's SentencePiece tokenizer
    // merges the adjacent pair whose joined text scores highest, so each piece scores minus the rank of the first
    // merge that makes it; that replays the merges in the same order. Pieces no merge makes never compete: score 0.
    private static HfTokenizerVocabulary SentencePieceBpe(HfTokenizerSource s, int? vocabSize)
    {
        var table = HfTokenTable.FromDictionary(s, vocabSize);
        var merges = ReadMerges(s);
        var rankOf = new Dictionary<string, int>(merges.Length, StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Length; rank++)
        {
            var space = merges[rank].IndexOf(' ', StringComparison.Ordinal);
            rankOf.TryAdd(merges[rank].Remove(space, 1), rank);
        }
        var scores = new float[table.Tokens.Length];
        for (var id = 0; id < scores.Length; id++)
            scores[id] = table.Types[id] == HfTokenizerVocabulary.Unused ? -1000f : rankOf.TryGetValue(table.Tokens[id], out var r) ? -r : 0f;
        return SentencePiece(s, table, scores, (string?)s.Model["unk_token"]);
    }

    private static HfTokenizerVocabulary Unigram(HfTokenizerSource s, int? vocabSize)
    {
        var entries = s.Model["vocab"] as JsonArray ?? throw s.Bad("model.vocab", "is not a list of [piece, score] pairs");
        var pieces = new string[entries.Count];
        var pieceScores = new float[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonArray { Count: 2 } pair || pair[0] is not JsonValue piece || pair[1] is not JsonValue score)
                throw s.Bad($"model.vocab[{i}]", "is not a [piece, score] pair");
            pieces[i] = (string)piece!;
            pieceScores[i] = (float)(double)score!;
        }
        var table = HfTokenTable.FromList(s, pieces, vocabSize);
        var scores = new float[table.Tokens.Length];
        Array.Fill(scores, -1000f);
        pieceScores.CopyTo(scores, 0);
        var unk = s.Model["unk_id"] is JsonValue u ? pieces[(int)u] : null;
        return SentencePiece(s, table, scores, unk);
    }

    private static HfTokenizerVocabulary SentencePiece(HfTokenizerSource s, HfTokenTable table, float[] scores, string? unknownText)
    {
        for (var id = 0; id < table.Tokens.Length; id++)
            if (table.Types[id] == HfTokenizerVocabulary.Normal && ByteToken().IsMatch(table.Tokens[id]))
                table.Types[id] = HfTokenizerVocabulary.Byte;
        table.ApplyAddedTokens(s, spacesInUserDefined: false);
        var specials = s.ResolveSpecials(table);
        var unk = specials.Unknown ?? (unknownText is null ? null : table.Find(unknownText));
        if (unk is { } u) table.Types[u] = HfTokenizerVocabulary.Unknown;
        var (addBos, addEos, _) = s.AddFlags(table, specials);
        return new HfTokenizerVocabulary
        {
            Model = "llama",
            Pre = "default",
            Tokens = table.Tokens,
            TokenTypes = table.Types,
            Scores = scores,
            BosId = specials.Bos,
            EosId = specials.Eos,
            UnknownId = unk,
            SeparatorId = specials.Separator,
            PaddingId = specials.Padding,
            AddBos = addBos,
            AddEos = addEos,
            AddSpacePrefix = AddsSpacePrefix(s.Json),
        };
    }

    // llama.cpp's WordPiece vocabulary: "##" continuations lose the prefix, word-initial pieces gain ▁ and bracketed
    // specials ([CLS], [unused0]) stay as they are. [CLS] is also written as the BOS id, which the loader reads.
    private static HfTokenizerVocabulary WordPiece(HfTokenizerSource s, int? vocabSize)
    {
        var table = HfTokenTable.FromDictionary(s, vocabSize);
        table.ApplyAddedTokens(s, spacesInUserDefined: true);
        var specials = s.ResolveSpecials(table);
        var unk = specials.Unknown ?? ((string?)s.Model["unk_token"] is { } u ? table.Find(u) : null);
        int? ByName(int? id, string text) => id ?? table.Find(text);
        var cls = ByName(specials.Cls, "[CLS]");
        var sep = ByName(specials.Separator, "[SEP]");
        var prefix = (string?)s.Model["continuing_subword_prefix"] ?? "##";
        for (var id = 0; id < table.Tokens.Length; id++)
        {
            var t = table.Tokens[id];
            if (table.Types[id] == HfTokenizerVocabulary.Unused || (t.StartsWith('[') && t.EndsWith(']'))) continue;
            table.Tokens[id] = t.StartsWith(prefix, StringComparison.Ordinal) ? t[prefix.Length..] : "\u2581" + t;
        }
        var (lowercase, stripAccents) = BertNormalization(s);
        var (addBos, addEos, addSep) = s.AddFlags(table, specials with { Bos = cls, Cls = cls, Separator = sep });
        return new HfTokenizerVocabulary
        {
            Model = "bert",
            Pre = null,
            Tokens = table.Tokens,
            TokenTypes = table.Types,
            BosId = cls,
            UnknownId = unk,
            SeparatorId = sep,
            PaddingId = ByName(specials.Padding, "[PAD]"),
            ClsId = cls,
            MaskId = ByName(specials.Mask, "[MASK]"),
            AddBos = addBos,
            AddEos = addEos,
            AddSep = addSep,
            Lowercase = lowercase,
            StripAccents = stripAccents,
        };
    }

    // ---- pieces shared by the kinds --------------------------------------------------------------------------------

    private static string[] ReadMerges(HfTokenizerSource s)
    {
        var merges = s.Model["merges"] as JsonArray ?? throw s.Bad("model.merges", "is missing; a BPE tokenizer needs its merge list");
        var result = new string[merges.Count];
        for (var i = 0; i < merges.Count; i++)
        {
            result[i] = merges[i] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String && ((string)v!).Contains(' ', StringComparison.Ordinal) => (string)v!,
                JsonArray { Count: 2 } pair when pair[0] is JsonValue a && pair[1] is JsonValue b => $"{(string)a!} {(string)b!}",
                var other => throw s.Bad($"model.merges[{i}]", $"is {other?.ToJsonString() ?? "null"}; expected \"left right\" or [\"left\", \"right\"]"),
            };
        }
        return result;
    }

    private static bool IsByteLevel(JsonObject json) =>
        Mentions(json["pre_tokenizer"], "ByteLevel") || Mentions(json["decoder"], "ByteLevel");

    private static bool IsSentencePieceStyle(JsonObject json) =>
        ((bool?)json["model"]?["byte_fallback"] ?? false) || Mentions(json["pre_tokenizer"], "Metaspace")
        || (json["normalizer"]?.ToJsonString().Contains("\\u2581", StringComparison.Ordinal) ?? false)
        || (json["normalizer"]?.ToJsonString().Contains('\u2581') ?? false);

    // A ▁ prepended by the normalizer (Llama 2's Prepend) or by a Metaspace pre-tokenizer.
    private static bool AddsSpacePrefix(JsonObject json)
    {
        foreach (var step in Steps(json["normalizer"], "normalizers"))
            if ((string?)step["type"] == "Prepend" && (string?)step["prepend"] == "\u2581") return true;
        foreach (var step in Steps(json["pre_tokenizer"], "pretokenizers"))
            if ((string?)step["type"] == "Metaspace")
                return (string?)step["prepend_scheme"] is { } scheme ? scheme != "never" : (bool?)step["add_prefix_space"] ?? true;
        return false;
    }

    // BertNormalizer's lowercase (default true) and strip_accents (null: follows lowercase, which the loader assumes).
    private static (bool? Lowercase, bool? StripAccents) BertNormalization(HfTokenizerSource s)
    {
        foreach (var step in Steps(s.Json["normalizer"], "normalizers"))
        {
            switch ((string?)step["type"])
            {
                case "BertNormalizer":
                    return ((bool?)step["lowercase"] ?? true, (bool?)step["strip_accents"]);
                case "Lowercase":
                    return (true, null);
            }
        }
        return (false, false);
    }

    private static (string? Default, IReadOnlyDictionary<string, string> Named) ReadChatTemplates(string folder, string configPath, JsonObject? tokenizerConfig)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (tokenizerConfig?["chat_template"])
        {
            case JsonValue v:
                return ((string?)v, named);
            case JsonArray list:
                string? fallback = null;
                for (var i = 0; i < list.Count; i++)
                {
                    var name = (string?)list[i]?["name"] ?? throw new InvalidDataException($"{configPath}: chat_template[{i}] has no name");
                    var template = (string?)list[i]?["template"] ?? throw new InvalidDataException($"{configPath}: chat_template[{i}] ('{name}') has no template");
                    if (name == "default") fallback = template;
                    else named[name] = template;
                }
                return (fallback, named);
        }
        // transformers ≥ 4.43 may keep the template in a file of its own.
        var jinja = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(jinja)) return (File.ReadAllText(jinja), named);
        var jsonTemplate = Path.Combine(folder, "chat_template.json");
        if (File.Exists(jsonTemplate)) return ((string?)ReadObject(jsonTemplate)?["chat_template"], named);
        return (null, named);
    }

    internal static IEnumerable<JsonObject> Steps(JsonNode? node, string listKey)
    {
        if (node is not JsonObject o) yield break;
        if (o[listKey] is JsonArray list)
        {
            foreach (var item in list)
                foreach (var inner in Steps(item, listKey))
                    yield return inner;
        }
        else yield return o;
    }

    private static bool Mentions(JsonNode? node, string type) =>
        node is JsonObject o && ((string?)o["type"] == type
            || (o["pretokenizers"] ?? o["normalizers"] ?? o["decoders"] ?? o["processors"]) is JsonArray list && list.Any(n => Mentions(n, type)));

    private static string? InferModelType(JsonObject model) =>
        model["merges"] is not null ? "BPE"
        : model["vocab"] is JsonArray ? "Unigram"
        : model["max_input_chars_per_word"] is not null ? "WordPiece"
        : null;

    private static JsonObject? ReadObject(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    [GeneratedRegex("^<0x[0-9A-Fa-f]{2}>$")]
    private static partial Regex ByteToken();
}
