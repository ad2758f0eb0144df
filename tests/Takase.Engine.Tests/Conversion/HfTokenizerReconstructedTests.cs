using System.Text.Json.Nodes;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tests.Tokenizers;
using Takase.Engine.Tokenizers;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

/// <summary>
/// Full-size checks of the WordPiece and SentencePiece import paths. shared/data has no tokenizer.json for BERT-BGE
/// or Llama 2, so one is written back from the vocab GGUF (llama.cpp's conversion undone: "▁word" → "word", a
/// continuation "piece" → "##piece"; Llama 2's pieces and scores as a Unigram list). Importing it must give the GGUF's
/// tokens, types and scores again, and the tokenizer must reproduce every id of that vocabulary's test vectors.
/// </summary>
public sealed class HfTokenizerReconstructedTests
{
    [Fact]
    public void WordPiece_bert_bge_round_trips_and_reproduces_every_vector()
    {
        using var gguf = GgufFile.Open(SharedData.Path("vocab/ggml-vocab-bert-bge.gguf"));
        var tokens = gguf.GetStringArray("tokenizer.ggml.tokens")!;
        var types = gguf.GetIntArray("tokenizer.ggml.token_type")!;
        var vocab = new JsonObject();
        for (var id = 0; id < tokens.Length; id++)
        {
            var t = tokens[id];
            vocab[t.StartsWith('\u2581') ? t[1..] : t.StartsWith('[') && t.EndsWith(']') ? t : "##" + t] = id;
        }
        var added = new JsonArray();
        for (var id = 0; id < tokens.Length; id++)
            if (types[id] == HfTokenizerVocabulary.Control) added.Add(Added(id, tokens[id]));
        using var temp = new TempDir();
        Write(temp, new JsonObject
        {
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["lowercase"] = true, ["strip_accents"] = null, ["clean_text"] = true, ["handle_chinese_chars"] = true },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("[CLS]"), Sequence("A"), Special("[SEP]")),
                ["pair"] = new JsonArray(Special("[CLS]"), Sequence("A"), Special("[SEP]"), Sequence("B"), Special("[SEP]")),
            },
            ["model"] = new JsonObject { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = vocab },
        }, """{"cls_token": "[CLS]", "sep_token": "[SEP]", "unk_token": "[UNK]", "pad_token": "[PAD]", "mask_token": "[MASK]"}""");

        var v = HfTokenizerImporter.Import(temp.Path);

        Assert.Equal(tokens, v.Tokens);
        Assert.Equal(types, v.TokenTypes);
        Assert.Equal(gguf.GetInteger("tokenizer.ggml.unknown_token_id"), v.UnknownId);
        Assert.Equal(gguf.GetInteger("tokenizer.ggml.seperator_token_id"), v.SeparatorId);
        Assert.Equal(gguf.GetInteger("tokenizer.ggml.padding_token_id"), v.PaddingId);
        Assert.Equal(gguf.GetInteger("tokenizer.ggml.cls_token_id"), v.ClsId);
        Assert.Equal(gguf.GetInteger("tokenizer.ggml.mask_token_id"), v.MaskId);
        AssertVectors(HfTokenizerImportTests.Load(v, "bert"), "bert-bge");
    }

    [Fact]
    public void SentencePiece_llama_spm_round_trips_and_reproduces_every_vector()
    {
        using var gguf = GgufFile.Open(SharedData.Path("vocab/ggml-vocab-llama-spm.gguf"));
        var tokens = gguf.GetStringArray("tokenizer.ggml.tokens")!;
        var scores = gguf.GetFloatArray("tokenizer.ggml.scores")!;
        var types = gguf.GetIntArray("tokenizer.ggml.token_type")!;
        var pieces = new JsonArray();
        for (var id = 0; id < tokens.Length; id++) pieces.Add(new JsonArray(tokens[id], scores[id]));
        using var temp = new TempDir();
        Write(temp, new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "\u2581" }),
            },
            ["post_processor"] = new JsonObject { ["type"] = "TemplateProcessing", ["single"] = new JsonArray(Special("<s>"), Sequence("A")) },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 0, ["byte_fallback"] = true, ["vocab"] = pieces },
        }, """{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}""");

        var v = HfTokenizerImporter.Import(temp.Path);

        Assert.Equal(tokens, v.Tokens);
        Assert.Equal(scores, v.Scores!);
        Assert.Equal(types, v.TokenTypes);
        Assert.Equal((1, 2, 0), (v.BosId, v.EosId, v.UnknownId));
        Assert.Equal(gguf.GetBool("tokenizer.ggml.add_bos_token"), v.AddBos);
        Assert.True(v.AddSpacePrefix);
        AssertVectors(HfTokenizerImportTests.Load(v, "llama"), "llama-spm");
    }

    private static void AssertVectors(Tokenizer tokenizer, string vocab)
    {
        foreach (var set in new[] { "gguf", "ja" })
        {
            var stem = $"vocab/ggml-vocab-{vocab}.{set}";
            var cases = VocabTestVectors.Read(SharedData.Path(stem + ".inp"), SharedData.Path(stem + ".out"));
            Assert.True(cases.Count > 10, $"{stem}.inp should hold the test strings");
            var failures = cases
                .Where(c => !tokenizer.Encode(c.Text, addSpecial: false, parseSpecial: false).SequenceEqual(c.Expected))
                .Select(c => $"case {c.Index} '{VocabTestVectors.Show(c.Text)}'").ToList();
            Assert.True(failures.Count == 0, $"{stem}: {failures.Count} of {cases.Count} cases differ:\n{string.Join('\n', failures)}");
        }
    }

    private static void Write(TempDir temp, JsonObject tokenizer, string tokenizerConfig)
    {
        File.WriteAllText(temp.File("tokenizer.json"), tokenizer.ToJsonString());
        File.WriteAllText(temp.File("tokenizer_config.json"), tokenizerConfig);
    }

    private static JsonObject Added(int id, string content) =>
        new() { ["id"] = id, ["content"] = content, ["special"] = true, ["normalized"] = false };

    private static JsonObject Special(string id) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };

    private static JsonObject Sequence(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
}
