using System.Collections.Concurrent;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Templates;
using Takase.Engine.Tests.Tokenizers;
using Takase.Engine.Tokenizers;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

/// <summary>
/// The real Llama 3.2 and Qwen2.5 tokenizer.json files of shared/data/tokenizers, imported by our converter: the
/// tokenizer built from the imported metadata must reproduce every id of the matching vocab test vectors, and the
/// imported tokens, types, merges and special ids must equal those of the vocab GGUFs llama.cpp's converter made
/// from the same files (shared/data/vocab/ggml-vocab-*-rebuilt.gguf).
/// </summary>
public sealed class HfTokenizerImportTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, Lazy<(HfTokenizerVocabulary Vocabulary, Tokenizer Tokenizer)>> Imports = new();

    // shared/data/tokenizers folder → the shared vocab it was rebuilt as.
    private static readonly Dictionary<string, string> RebuiltVocab = new()
    {
        ["llama3.2-instruct"] = "llama3.2-rebuilt",
        ["qwen2.5-instruct"] = "qwen2.5-rebuilt",
    };

    public static TheoryData<string, string> VectorSets() => new()
    {
        { "llama3.2-instruct", "gguf" }, { "llama3.2-instruct", "ja" },
        { "qwen2.5-instruct", "gguf" }, { "qwen2.5-instruct", "ja" },
    };

    public static TheoryData<string> Folders() => new() { "llama3.2-instruct", "qwen2.5-instruct" };

    [Theory]
    [MemberData(nameof(VectorSets))]
    public void Imported_tokenizer_reproduces_every_vector(string folder, string set)
    {
        var (_, tokenizer) = Import(folder);
        var stem = $"vocab/ggml-vocab-{RebuiltVocab[folder]}.{set}";
        var cases = VocabTestVectors.Read(SharedData.Path(stem + ".inp"), SharedData.Path(stem + ".out"));

        var failures = new List<string>();
        foreach (var c in cases)
        {
            var actual = tokenizer.Encode(c.Text, addSpecial: false, parseSpecial: false);
            if (!actual.SequenceEqual(c.Expected))
                failures.Add($"case {c.Index} '{VocabTestVectors.Show(c.Text)}': expected [{string.Join(' ', c.Expected)}], got [{string.Join(' ', actual)}]");
        }
        output.WriteLine($"{folder} {set}: {cases.Count - failures.Count}/{cases.Count} cases exact");
        Assert.True(cases.Count > 10, $"{stem}.inp should hold the test strings");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ:\n{string.Join('\n', failures)}");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Imported_vocabulary_equals_llama_cpp_conversion(string folder)
    {
        var (v, _) = Import(folder);
        using var rebuilt = GgufFile.Open(SharedData.Path($"vocab/ggml-vocab-{RebuiltVocab[folder]}.gguf"));

        Assert.Equal(rebuilt.GetString("tokenizer.ggml.model"), v.Model);
        Assert.Equal(rebuilt.GetString("tokenizer.ggml.pre"), v.Pre);
        Assert.Equal(rebuilt.GetStringArray("tokenizer.ggml.tokens"), v.Tokens);
        Assert.Equal(rebuilt.GetIntArray("tokenizer.ggml.token_type"), v.TokenTypes);
        Assert.Equal(rebuilt.GetStringArray("tokenizer.ggml.merges"), v.Merges);
        Assert.Null(v.Scores);
        Assert.Equal(rebuilt.GetInteger("tokenizer.ggml.bos_token_id"), v.BosId);
        Assert.Equal(rebuilt.GetInteger("tokenizer.ggml.eos_token_id"), v.EosId);
        Assert.Equal(rebuilt.GetInteger("tokenizer.ggml.padding_token_id"), v.PaddingId);
        Assert.Equal(rebuilt.GetInteger("tokenizer.ggml.unknown_token_id"), v.UnknownId);
        Assert.Equal(rebuilt.GetBool("tokenizer.ggml.add_bos_token"), v.AddBos);
        Assert.Equal(rebuilt.GetBool("tokenizer.ggml.add_eos_token"), v.AddEos);
        Assert.Equal(rebuilt.GetBool("tokenizer.ggml.add_sep_token"), v.AddSep);
        Assert.Equal(rebuilt.GetString("tokenizer.chat_template"), v.ChatTemplate);
    }

    [Fact]
    public void Qwen_chat_template_renders_and_tokenizes_its_control_tokens()
    {
        var (v, tokenizer) = Import("qwen2.5-instruct");
        var text = ChatTemplate.Parse(v.ChatTemplate!).Render(
            [new ChatMessage("system", "Be brief."), new ChatMessage("user", "こんにちは")],
            new ChatRenderOptions { AddGenerationPrompt = true });

        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\n", text);
        var ids = tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
        Assert.Equal(151644, ids[0]); // <|im_start|>, no BOS: add_bos_token is false in tokenizer_config.json
        Assert.Equal(3, ids.Count(id => id == 151644));
        Assert.Equal(2, ids.Count(id => id == 151645));
        Assert.Equal(151645, tokenizer.EosId);
    }

    [Fact]
    public void Llama_imports_bos_from_the_post_processor_and_eos_from_tokenizer_config()
    {
        var (_, tokenizer) = Import("llama3.2-instruct");
        Assert.True(tokenizer.AddBos);
        Assert.Equal(128000, tokenizer.BosId);
        Assert.Equal(128009, tokenizer.EosId); // <|eot_id|>, tokenizer_config.json's eos_token
        Assert.Equal([128000, 9906, 1917], tokenizer.Encode("Hello world"));
    }

    /// <summary>Imports shared/data/tokenizers/<paramref name="folder"/> once per run and loads it through a GGUF file.</summary>
    internal static (HfTokenizerVocabulary Vocabulary, Tokenizer Tokenizer) Import(string folder)
    {
        var dir = SharedData.Path($"tokenizers/{folder}");
        return Imports.GetOrAdd(dir, d => new Lazy<(HfTokenizerVocabulary, Tokenizer)>(() =>
        {
            var vocabulary = HfTokenizerImporter.Import(d);
            return (vocabulary, Load(vocabulary, folder.StartsWith("qwen", StringComparison.Ordinal) ? "qwen2" : "llama"));
        })).Value;
    }

    /// <summary>Writes <paramref name="vocabulary"/> to a vocab-only GGUF and loads our tokenizer from it.</summary>
    internal static Tokenizer Load(HfTokenizerVocabulary vocabulary, string architecture)
    {
        using var temp = new TempDir();
        var path = temp.File("vocab.gguf");
        var writer = new GgufWriter();
        writer.Add("general.architecture", architecture);
        vocabulary.WriteTo(writer);
        writer.Write(path);
        using var file = GgufFile.Open(path);
        return Tokenizer.FromGguf(file);
    }
}
