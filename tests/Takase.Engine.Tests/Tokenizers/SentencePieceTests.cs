using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

public sealed class SentencePieceTests
{
    private static Tokenizer Stories => SharedVocabularies.Get("models/stories260K.gguf");

    [Fact]
    public void Stories260K_prompt_tokenizes_as_llama_cpp_does()
    {
        // Expected ids from llama.cpp b10573 (shared/data/README.md).
        int[] expected = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];
        Assert.Equal(expected, Stories.Encode("Once upon a time, there was a little girl named Lily."));
    }

    [Fact]
    public void Stories260K_has_llama_defaults()
    {
        var t = Stories;
        Assert.Equal(TokenizerModel.SentencePiece, t.Model);
        Assert.Equal(512, t.VocabSize);
        Assert.Equal(1, t.BosId);
        Assert.Equal(2, t.EosId);
        Assert.True(t.AddBos);
        Assert.False(t.AddEos);
        Assert.True(t.AddSpacePrefix);
        Assert.True(t.IsEndOfGeneration(2));
        Assert.False(t.IsEndOfGeneration(1));
    }

    [Fact]
    public void Decode_keeps_the_leading_space_and_Detokenize_removes_it()
    {
        var ids = Stories.Encode("Once upon a time");
        // Generation output starts with " Once" in llama.cpp (the golden text in shared/data/README.md).
        Assert.Equal(" Once upon a time", Stories.Decode(ids));
        Assert.Equal("<s> Once upon a time", Stories.Decode(ids, renderSpecial: true));
        // llama_detokenize strips the prefix space only from text that starts the ids; after a BOS it stays.
        Assert.Equal("Once upon a time", Stories.Detokenize(ids[1..]));
        Assert.Equal(" Once upon a time", Stories.Detokenize(ids, removeSpecial: true));
    }

    [Fact]
    public void Characters_outside_the_vocabulary_fall_back_to_byte_tokens()
    {
        var t = SharedVocabularies.Vocab("llama-spm");
        var ids = t.Encode("𠮷", addSpecial: false);
        // "▁" then the four UTF-8 bytes of U+20BB7 as <0xF0> <0xA0> <0xAE> <0xB7>.
        Assert.Equal(["▁", "<0xF0>", "<0xA0>", "<0xAE>", "<0xB7>"], ids.Select(t.TokenText));
        Assert.Equal([0xF0], t.TokenBytes(ids[1]).ToArray());
        Assert.Equal("𠮷", t.Detokenize(ids));
    }

    [Fact]
    public void Text_after_a_parsed_special_token_gets_the_space_prefix_again()
    {
        var t = SharedVocabularies.Vocab("llama-spm");
        var ids = t.Encode("Hi</s>Hi", addSpecial: false, parseSpecial: true);
        var hi = t.Encode("Hi", addSpecial: false);
        Assert.Equal([.. hi, 2, .. hi], ids);
        // Without parseSpecial the marker is ordinary text.
        Assert.DoesNotContain(2, t.Encode("Hi</s>Hi", addSpecial: false));
    }
}
