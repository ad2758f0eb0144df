using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>Chat markers, BOS/EOS framing and end-of-generation tokens on the real Llama 3.2 and Qwen2.5 vocabularies.</summary>
public sealed class SpecialTokenTests
{
    private static Tokenizer Llama3 => SharedVocabularies.Vocab("llama3.2-rebuilt");
    private static Tokenizer Qwen => SharedVocabularies.Vocab("qwen2.5-rebuilt");

    [Fact]
    public void Llama3_chat_markers_are_parsed_into_their_ids()
    {
        const string prompt = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        // Llama 3 ids: 882 "user", 271 "ĊĊ", 9906 "Hello", 78191 "assistant" (also in llama.cpp's llama-bpe vectors).
        int[] expected = [128000, 128006, 882, 128007, 271, 9906, 128009, 128006, 78191, 128007, 271];
        Assert.Equal(expected, Llama3.Encode(prompt, addSpecial: false, parseSpecial: true));
    }

    [Fact]
    public void Llama3_adds_bos_and_warns_nothing_of_a_second_one()
    {
        Assert.True(Llama3.AddBos);
        Assert.Equal([128000, 9906], Llama3.Encode("Hello"));
        // A template that writes <|begin_of_text|> itself gets two when addSpecial is also on, as in llama.cpp.
        Assert.Equal([128000, 128000, 9906], Llama3.Encode("<|begin_of_text|>Hello", addSpecial: true, parseSpecial: true));
    }

    [Fact]
    public void Qwen_chat_string_with_im_markers_is_parsed()
    {
        const string prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
        // Qwen2 ids: 8948 "system", 198 "Ċ", "You are a helpful assistant." = 2610 525 264 10950 17847 13,
        // 872 "user", 9707 "Hello", 77091 "assistant".
        int[] expected =
        [
            151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198,
            151644, 872, 198, 9707, 151645, 198,
            151644, 77091, 198,
        ];
        Assert.False(Qwen.AddBos);
        Assert.Equal(expected, Qwen.Encode(prompt, addSpecial: true, parseSpecial: true));
    }

    [Fact]
    public void Without_parseSpecial_control_markers_are_plain_text()
    {
        var ids = Qwen.Encode("<|im_start|>user", addSpecial: false, parseSpecial: false);
        Assert.DoesNotContain(151644, ids);
        Assert.True(ids.Length > 2);
        Assert.Equal("<|im_start|>user", Qwen.Decode(ids));
    }

    [Fact]
    public void User_defined_tokens_are_recognised_even_without_parseSpecial()
    {
        // <tool_call> is token type 4 (user-defined) in Qwen2.5: llama.cpp, like Hugging Face, always splits it out.
        Assert.Equal(TokenAttributes.UserDefined, Qwen.GetAttributes(151657));
        Assert.Equal([151657, 9707], Qwen.Encode("<tool_call>Hello", addSpecial: false, parseSpecial: false));
        // and, unlike control tokens, it is rendered in decoded text.
        Assert.Equal("<tool_call>Hello", Qwen.Decode([151657, 9707]));
    }

    [Fact]
    public void Control_tokens_are_hidden_unless_rendered()
    {
        Assert.True(Qwen.IsControl(151645));
        Assert.Equal(0, Qwen.TokenBytes(151645).Length);
        Assert.Equal("Hello", Qwen.Decode([151644, 9707, 151645]));
        Assert.Equal("<|im_start|>Hello<|im_end|>", Qwen.Decode([151644, 9707, 151645], renderSpecial: true));
        Assert.Equal("<|im_end|>", Qwen.TokenText(151645));
        Assert.Equal(151645, Qwen.FindToken("<|im_end|>"));
        Assert.Null(Qwen.FindToken("no such token text"));
    }

    [Fact]
    public void End_of_generation_follows_llama_cpp()
    {
        Assert.Equal(128009, Llama3.EosId);
        Assert.True(Llama3.IsEndOfGeneration(128009));  // <|eot_id|>
        Assert.True(Llama3.IsEndOfGeneration(128001));  // <|end_of_text|>
        Assert.False(Llama3.IsEndOfGeneration(128006)); // <|start_header_id|>
        Assert.False(Llama3.IsEndOfGeneration(9906));

        Assert.True(Qwen.IsEndOfGeneration(151645));    // <|im_end|> (eos)
        Assert.True(Qwen.IsEndOfGeneration(151643));    // <|endoftext|>
        Assert.True(Qwen.IsEndOfGeneration(151662));    // <|fim_pad|>: llama.cpp ends on FIM pad/repo/file-sep
        Assert.True(Qwen.IsEndOfGeneration(151664));    // <|file_sep|>
        Assert.False(Qwen.IsEndOfGeneration(151644));   // <|im_start|>
    }

    [Fact]
    public void Bert_frames_input_with_cls_and_sep()
    {
        var bert = SharedVocabularies.Vocab("bert-bge");
        var ids = bert.Encode("Hello world");
        Assert.Equal(101, ids[0]);
        Assert.Equal(102, ids[^1]);
        Assert.Equal(bert.Encode("Hello world", addSpecial: false), ids[1..^1]);
        Assert.Equal(["[CLS]", "▁hello", "▁world", "[SEP]"], ids.Select(bert.TokenText));
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential()
    {
        string[] texts = ["Hello, world!", "こんにちは、世界！", "🍣と🍜が好き😋", "    indented\n\tcode();", "<|im_start|>user\nHi<|im_end|>"];
        var expected = texts.Select(t => Qwen.Encode(t, parseSpecial: true)).ToArray();
        var results = new int[64][];
        Parallel.For(0, results.Length, i => results[i] = Qwen.Encode(texts[i % texts.Length], parseSpecial: true));
        for (var i = 0; i < results.Length; i++) Assert.Equal(expected[i % texts.Length], results[i]);
    }
}
