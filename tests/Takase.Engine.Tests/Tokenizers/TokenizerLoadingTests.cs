using Takase.Engine.Gguf;
using Takase.Tests.Support;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>Building a tokenizer from GGUF files written here: a tiny BPE that works, and metadata that must be refused clearly.</summary>
public sealed class TokenizerLoadingTests
{
    // A byte-level BPE over the letters of "low", "lower", "newest": enough to exercise merges end to end.
    private static GgufWriter TinyBpe(string pre = "gpt-2")
    {
        var w = new GgufWriter();
        w.Add("general.architecture", "gpt2");
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.pre", pre);
        w.Add("tokenizer.ggml.tokens", ["l", "o", "w", "e", "r", "n", "s", "t", "Ġ", "lo", "low", "er", "Ġn", "<|endoftext|>"]);
        w.Add("tokenizer.ggml.token_type", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3]);
        w.Add("tokenizer.ggml.merges", ["l o", "lo w", "e r", "Ġ n"]);
        w.Add("tokenizer.ggml.eos_token_id", 13);
        return w;
    }

    private static Tokenizer Load(GgufWriter writer, TempDir dir)
    {
        var path = dir.File("tok.gguf");
        writer.Write(path);
        using var file = GgufFile.Open(path);
        return Tokenizer.FromGguf(file);
    }

    [Fact]
    public void A_written_byte_level_bpe_merges_by_rank()
    {
        using var dir = new TempDir();
        var t = Load(TinyBpe(), dir);
        Assert.Equal(TokenizerModel.BytePair, t.Model);
        Assert.Equal(14, t.VocabSize);
        // "lower" → l o w e r → "lo" (rank 0) → "low" (rank 1) → "er" (rank 2); " new" → "Ġn" + e + w.
        Assert.Equal(["low", "er", "Ġn", "e", "w"], t.Encode("lower new", addSpecial: false).Select(t.TokenText));
        Assert.Equal("lower new", t.Decode(t.Encode("lower new")));
        Assert.True(t.IsEndOfGeneration(13));
        Assert.Equal(13, t.EosId);
        Assert.Equal(11, t.BosId); // llama.cpp's BPE default BOS (11) stands when the file sets none
    }

    [Fact]
    public void Unknown_tokenizer_model_is_refused_naming_the_file_and_value()
    {
        using var dir = new TempDir();
        var w = TinyBpe();
        w.Add("tokenizer.ggml.model", "rwkv");
        var e = Assert.Throws<NotSupportedException>(() => Load(w, dir));
        Assert.Contains("tokenizer.ggml.model 'rwkv'", e.Message);
        Assert.Contains("tok.gguf", e.Message);
    }

    [Fact]
    public void Unknown_pre_tokenizer_is_refused_listing_the_supported_ones()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<NotSupportedException>(() => Load(TinyBpe(pre: "tekken-9000"), dir));
        Assert.Contains("tokenizer.ggml.pre 'tekken-9000'", e.Message);
        Assert.Contains("qwen2", e.Message);
    }

    [Fact]
    public void Bpe_without_merges_is_refused()
    {
        using var dir = new TempDir();
        var w = new GgufWriter();
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.tokens", ["a", "b"]);
        var e = Assert.Throws<InvalidDataException>(() => Load(w, dir));
        Assert.Contains("tokenizer.ggml.merges", e.Message);
    }

    [Fact]
    public void Add_bos_without_a_bos_id_is_refused()
    {
        using var dir = new TempDir();
        var w = new GgufWriter();
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.pre", "glm4"); // this family has no default BOS
        w.Add("tokenizer.ggml.tokens", ["a", "b"]);
        w.Add("tokenizer.ggml.merges", ["a b"]);
        w.Add("tokenizer.ggml.add_bos_token", true);
        var e = Assert.Throws<InvalidDataException>(() => Load(w, dir));
        Assert.Contains("add_bos_token is true, but tokenizer.ggml.bos_token_id is not set", e.Message);
    }

    [Fact]
    public void Duplicate_token_texts_are_refused()
    {
        using var dir = new TempDir();
        var w = new GgufWriter();
        w.Add("tokenizer.ggml.model", "llama");
        w.Add("tokenizer.ggml.tokens", ["<unk>", "<s>", "</s>", "a", "a"]);
        var e = Assert.Throws<InvalidDataException>(() => Load(w, dir));
        Assert.Contains("'a' twice (ids 3 and 4)", e.Message);
    }

    [Fact]
    public void A_file_without_tokenizer_says_so()
    {
        using var dir = new TempDir();
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        var e = Assert.Throws<InvalidDataException>(() => Load(w, dir));
        Assert.Contains("no tokenizer.ggml.model", e.Message);
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_argument_errors()
    {
        var t = SharedVocabularies.Vocab("gpt-2");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([50257]));
        Assert.Contains("token id 50257 is outside the vocabulary (0…50256)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.TokenText(-1));
    }
}
