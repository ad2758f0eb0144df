using System.Text;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

public sealed class StreamingDetokenizerTests
{
    [Theory]
    [InlineData("llama-spm", "𠮷野家の𠮷は常用外の字です。🍣と🍜が好き😋")]   // byte-fallback tokens carry single UTF-8 bytes
    [InlineData("gpt-2", "🍣と🍜が好き😋 ｶﾀｶﾅ 𠮷野家")]                       // byte-level pieces split characters
    [InlineData("qwen2.5-rebuilt", "「高瀬舟」は森鷗外の短編、㍻の量子化🦙")]
    [InlineData("llama3.2-rebuilt", "令和六年四月十六日（火）の朝会メモ 😶‍🌫️")]
    public void Streaming_never_emits_half_a_character(string vocab, string text)
    {
        var tokenizer = SharedVocabularies.Vocab(vocab);
        var ids = tokenizer.Encode(text, addSpecial: false);
        var stream = new StreamingDetokenizer(tokenizer);

        var emitted = new StringBuilder();
        var heldBack = 0;
        foreach (var id in ids)
        {
            var piece = stream.Append(id);
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.True(IsWellFormed(piece), $"token {id} ('{tokenizer.TokenText(id)}') produced a broken surrogate pair");
            if (piece.Length == 0 && tokenizer.TokenBytes(id).Length > 0) heldBack++;
            emitted.Append(piece);
        }
        emitted.Append(stream.Flush());

        Assert.Equal(tokenizer.Decode(ids), emitted.ToString());
        Assert.True(heldBack > 0, "the text should include characters split across tokens, or the test proves nothing");
    }

    [Fact]
    public void A_cut_off_character_comes_out_as_one_replacement_character_on_flush()
    {
        var tokenizer = SharedVocabularies.Vocab("llama-spm");
        var stream = new StreamingDetokenizer(tokenizer);
        var e3 = tokenizer.FindToken("<0xE3>")!.Value;
        var x81 = tokenizer.FindToken("<0x81>")!.Value;
        Assert.Equal("", stream.Append(e3));
        Assert.Equal("", stream.Append(x81));
        Assert.Equal("\uFFFD", stream.Flush());
        // After a flush the stream starts clean: あ = E3 81 82.
        Assert.Equal("", stream.Append(e3));
        Assert.Equal("", stream.Append(x81));
        Assert.Equal("あ", stream.Append(tokenizer.FindToken("<0x82>")!.Value));
    }

    [Fact]
    public void Control_tokens_are_shown_only_when_asked()
    {
        var tokenizer = SharedVocabularies.Vocab("qwen2.5-rebuilt");
        Assert.Equal("", new StreamingDetokenizer(tokenizer).Append(151645));
        Assert.Equal("<|im_end|>", new StreamingDetokenizer(tokenizer, renderSpecial: true).Append(151645));
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
