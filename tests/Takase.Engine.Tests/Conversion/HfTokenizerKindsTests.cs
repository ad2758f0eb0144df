using System.Text.Json.Nodes;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tokenizers;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

/// <summary>
/// Small tokenizer.json files of each kind, written by us (Fixtures/hftok, or built below), imported and run through
/// our tokenizer. Expected ids are worked out by hand from each vocabulary and merge list.
/// </summary>
public sealed class HfTokenizerKindsTests
{
    private static string BertFixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hftok", "bert");

    [Fact]
    public void WordPiece_imports_llama_cpp_pieces_and_special_ids()
    {
        var v = HfTokenizerImporter.Import(BertFixture);

        Assert.Equal("bert", v.Model);
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2581the"], v.Tokens[..6]);
        Assert.Equal("s", v.Tokens[10]);            // "##s": continuation, prefix dropped
        Assert.Equal("[unused0]", v.Tokens[20]);    // bracketed: kept as it is
        Assert.Equal([3, 3, 3, 3, 3, 1], v.TokenTypes[..6]);
        Assert.Equal((2, 3, 1, 0, 4), (v.BosId, v.SeparatorId, v.UnknownId, v.PaddingId, v.MaskId));
        Assert.Equal(2, v.ClsId);
        Assert.True(v.AddBos);
        Assert.True(v.AddSep);
        Assert.True(v.Lowercase);
    }

    [Fact]
    public void WordPiece_tokenizes_with_cls_sep_lowercase_and_accent_stripping()
    {
        var tokenizer = HfTokenizerImportTests.Load(HfTokenizerImporter.Import(BertFixture), "bert");

        // [CLS] the quick brown fox jump ##s , un ##believ ##able ! [SEP]
        Assert.Equal([2, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 18, 3], tokenizer.Encode("The quick brown fox jumps, unbelievable!"));
        // café → cafe; "dog" is not coverable → [UNK]
        Assert.Equal([2, 17, 9, 11, 19, 5, 1, 13, 3], tokenizer.Encode("Café jumped over the dog."));
    }

    [Fact]
    public void WordPiece_without_lowercase_keeps_case()
    {
        using var temp = new TempDir();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(BertFixture, "tokenizer.json")))!;
        json["normalizer"]!["lowercase"] = false;
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());

        var v = HfTokenizerImporter.Import(temp.Path);
        var tokenizer = HfTokenizerImportTests.Load(v, "bert");

        Assert.False(v.Lowercase);
        Assert.Equal([2, 1, 8, 3], tokenizer.Encode("The fox")); // "The" is not in the lowercase vocabulary
    }

    [Fact]
    public void SentencePiece_bpe_scores_replay_the_merges_and_bytes_fall_back()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("tokenizer.json"), SentencePieceBpeJson().ToJsonString());
        File.WriteAllText(temp.File("tokenizer_config.json"), """{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": true, "add_eos_token": false}""");

        var v = HfTokenizerImporter.Import(temp.Path);
        var tokenizer = HfTokenizerImportTests.Load(v, "llama");

        Assert.Equal("llama", v.Model);
        Assert.Null(v.Merges);
        Assert.Equal([2, 3, 3, 6], v.TokenTypes[..4]);         // <unk> unknown, <s> </s> control, <0x00> byte
        Assert.Equal(-4f, v.Scores![PieceId("\u2581hello")]); // made by the fifth merge
        Assert.True(v.AddSpacePrefix);
        Assert.Equal((1, 2, 0), (v.BosId, v.EosId, v.UnknownId));

        Assert.Equal([1, PieceId("\u2581hello"), PieceId("\u2581world")], tokenizer.Encode("hello world"));
        // "i" is no piece: its byte <0x69> (id 3 + 0x69) stands in
        Assert.Equal([PieceId("\u2581"), PieceId("h"), 3 + 0x69], tokenizer.Encode("hi", addSpecial: false));
    }

    [Fact]
    public void Unigram_keeps_scores_and_unknown()
    {
        using var temp = new TempDir();
        var vocab = new JsonArray();
        foreach (var (piece, score) in new[] { ("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0), ("\u2581", -2.0), ("a", -3.0), ("b", -3.5), ("\u2581a", -1.0), ("ab", -2.5), ("\u2581ab", -0.5) })
            vocab.Add(new JsonArray(piece, score));
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always" },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 0, ["vocab"] = vocab },
        };
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());

        var v = HfTokenizerImporter.Import(temp.Path);
        var tokenizer = HfTokenizerImportTests.Load(v, "llama");

        Assert.Equal([0f, 0f, 0f, -2f, -3f, -3.5f, -1f, -2.5f, -0.5f], v.Scores!);
        Assert.Equal(0, v.UnknownId);
        Assert.Equal(HfTokenizerVocabulary.Unknown, v.TokenTypes[0]);
        Assert.True(v.AddSpacePrefix);
        Assert.Equal([8], tokenizer.Encode("ab", addSpecial: false));        // ▁a (-1) first, then ▁ab
        Assert.Equal([3, 5, 4], tokenizer.Encode("ba", addSpecial: false));  // ▁b and ba are no pieces
        Assert.Equal([3, 0], tokenizer.Encode("c", addSpecial: false));      // c is unknown, no byte fallback
    }

    [Fact]
    public void Malformed_merge_names_file_and_field()
    {
        using var temp = new TempDir();
        var json = SentencePieceBpeJson();
        json["model"]!["merges"]!.AsArray().Insert(1, "nospace");
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());

        var e = Assert.Throws<InvalidDataException>(() => HfTokenizerImporter.Import(temp.Path));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("model.merges[1]", e.Message);
    }

    [Fact]
    public void Vocab_size_smaller_than_the_tokenizer_is_refused()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("tokenizer.json"), SentencePieceBpeJson().ToJsonString());
        File.WriteAllText(temp.File("config.json"), """{"vocab_size": 100}""");

        var e = Assert.Throws<InvalidDataException>(() => HfTokenizerImporter.Import(temp.Path));
        Assert.Contains("config.json: vocab_size is 100", e.Message);
    }

    [Fact]
    public void Vocab_size_larger_than_the_tokenizer_pads_with_unused_tokens()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("tokenizer.json"), SentencePieceBpeJson().ToJsonString());

        var v = HfTokenizerImporter.Import(temp.Path, vocabSize: Pieces.Length + 261);

        Assert.Equal(Pieces.Length + 261, v.Tokens.Length);
        Assert.Equal($"[PAD{Pieces.Length + 259}]", v.Tokens[^2]);
        Assert.Equal(HfTokenizerVocabulary.Unused, v.TokenTypes[^1]);
    }

    [Fact]
    public void Unknown_byte_level_split_rules_are_refused_unless_named()
    {
        using var temp = new TempDir();
        var json = new JsonObject
        {
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "\\p{L}+|\\s+" }, ["behavior"] = "Isolated" },
                    new JsonObject { ["type"] = "ByteLevel", ["use_regex"] = false }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = new JsonObject { ["a"] = 0, ["b"] = 1, ["ab"] = 2 },
                ["merges"] = new JsonArray("a b"),
            },
        };
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());

        var e = Assert.Throws<NotSupportedException>(() => HfTokenizerImporter.Import(temp.Path));
        Assert.Contains("\\p{L}+|\\s+", e.Message);
        Assert.Contains("--tokenizer-pre", e.Message);

        var v = HfTokenizerImporter.Import(temp.Path, preTokenizer: "gpt-2");
        Assert.Equal("gpt2", v.Model);
        Assert.Equal("gpt-2", v.Pre);
        Assert.Equal([2], HfTokenizerImportTests.Load(v, "gpt2").Encode("ab", addSpecial: false));
    }

    [Fact]
    public void Chat_templates_come_from_a_named_list_or_chat_template_jinja()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("tokenizer.json"), SentencePieceBpeJson().ToJsonString());
        File.WriteAllText(temp.File("tokenizer_config.json"),
            """{"chat_template": [{"name": "default", "template": "{{ messages[0].content }}"}, {"name": "tool_use", "template": "tools"}]}""");

        var v = HfTokenizerImporter.Import(temp.Path);
        var writer = new GgufWriter();
        v.WriteTo(writer);
        writer.Write(temp.File("t.gguf"));
        using (var file = GgufFile.Open(temp.File("t.gguf")))
        {
            Assert.Equal("{{ messages[0].content }}", file.GetString("tokenizer.chat_template"));
            Assert.Equal(["tool_use"], file.GetStringArray("tokenizer.chat_templates")!);
            Assert.Equal("tools", file.GetString("tokenizer.chat_template.tool_use"));
        }

        File.WriteAllText(temp.File("tokenizer_config.json"), "{}");
        File.WriteAllText(temp.File("chat_template.jinja"), "{{ bos_token }}");
        Assert.Equal("{{ bos_token }}", HfTokenizerImporter.Import(temp.Path).ChatTemplate);
    }

    // ---- a SentencePiece-style BPE tokenizer.json (Llama 2's layout) --------------------------------------------

    private static readonly string[] Pieces =
        ["\u2581", "h", "e", "l", "o", "w", "r", "d", "he", "ll", "hell", "hello", "\u2581hello", "or", "\u2581w", "\u2581wor", "ld", "\u2581world"];

    // Ids: <unk> <s> </s>, the 256 byte tokens, then the pieces.
    private static int PieceId(string piece) => 259 + Array.IndexOf(Pieces, piece);

    private static JsonObject SentencePieceBpeJson()
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (var b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        foreach (var piece in Pieces) vocab[piece] = PieceId(piece);
        var merges = new JsonArray();
        foreach (var m in new[] { "h e", "l l", "he ll", "hell o", "\u2581 hello", "o r", "\u2581 w", "\u2581w or", "l d", "\u2581wor ld" })
            merges.Add(new JsonArray(m.Split(' ')[0], m.Split(' ')[1])); // the ["left", "right"] form
        return new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "\u2581" }),
            },
            ["pre_tokenizer"] = null,
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    private static JsonObject Added(int id, string content) =>
        new() { ["id"] = id, ["content"] = content, ["special"] = true, ["normalized"] = false };
}
