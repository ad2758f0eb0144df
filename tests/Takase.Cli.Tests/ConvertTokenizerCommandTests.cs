using System.Text;
using System.Text.Json.Nodes;
using Takase.Engine.Gguf;
using Takase.Engine.Templates;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// <c>takase convert DIR out.gguf</c> on a tiny Hugging Face folder (random weights written here, a small Llama 3
/// style byte-level BPE tokenizer.json and a chat template): the GGUF's tokenizer must work through
/// <c>takase tokenize</c>, and its chat template must render.
/// </summary>
public class ConvertTokenizerCommandTests
{
    private const int Dim = 16, Heads = 2, KvHeads = 1, HeadDim = 8, FeedForward = 32;
    private const string Template =
        "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n{{ m['content'] }}<|eot_id|>{% endfor %}" +
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";

    [Fact]
    public void Converted_folder_carries_a_working_tokenizer_and_chat_template()
    {
        using var temp = new TempDir();
        var folder = Directory.CreateDirectory(temp.File("tiny-llama")).FullName;
        var (tokenizerJson, ids) = ByteLevelTokenizer();
        var vocabSize = ids.Count + 4; // embedding rows past the vocabulary become [PAD] tokens
        WriteCheckpoint(folder, tokenizerJson, vocabSize);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = "<|begin_of_text|>",
            ["eos_token"] = "<|eot_id|>",
            ["chat_template"] = Template,
        }.ToJsonString());
        var gguf = temp.File("tiny.gguf");

        var convert = TakaseProcess.Run(null, "convert", folder, gguf, "--outtype", "f32");
        Assert.True(convert.ExitCode == 0, convert.StdErr);

        // BOS from the post-processor, "Hello" whole (a vocabulary word), " world" from the merges.
        var tokenize = TakaseProcess.Run(null, "tokenize", gguf, "Hello world");
        Assert.True(tokenize.ExitCode == 0, tokenize.StdErr);
        Assert.Equal($"[{ids["<|begin_of_text|>"]}, {ids["Hello"]}, {ids["\u0120world"]}]\n", tokenize.StdOut);

        var special = TakaseProcess.Run(null, "tokenize", gguf, "<|eot_id|>", "--json", "--no-bos", "--parse-special");
        Assert.Equal($"[{ids["<|eot_id|>"]}]\n", special.StdOut);

        using var file = GgufFile.Open(gguf);
        Assert.Equal("llama-bpe", file.GetString("tokenizer.ggml.pre"));
        Assert.Equal(vocabSize, file.GetStringArray("tokenizer.ggml.tokens")!.Length);
        var template = ChatTemplate.Parse(file.GetString("tokenizer.chat_template")!);
        var rendered = template.Render([new ChatMessage("user", "Hi")], new ChatRenderOptions { AddGenerationPrompt = true, BosToken = "<|begin_of_text|>" });
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", rendered);
    }

    [Fact]
    public void Unrecognised_split_rules_fail_with_the_field_and_the_option()
    {
        using var temp = new TempDir();
        var folder = Directory.CreateDirectory(temp.File("odd")).FullName;
        var (tokenizerJson, ids) = ByteLevelTokenizer();
        tokenizerJson["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = "\\p{L}+|\\s+";
        WriteCheckpoint(folder, tokenizerJson, ids.Count);

        var r = TakaseProcess.Run(null, "convert", folder, temp.File("odd.gguf"));

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("pre_tokenizer", r.StdErr);
        Assert.Contains("--tokenizer-pre", r.StdErr);
        Assert.False(File.Exists(temp.File("odd.gguf")));
    }

    // A byte-level BPE tokenizer.json in Llama 3's layout: the 256 byte characters, a few merges, four specials.
    private static (JsonObject Json, Dictionary<string, int> Ids) ByteLevelTokenizer()
    {
        var ids = new Dictionary<string, int>();
        foreach (var c in ByteAlphabet()) ids[c] = ids.Count;
        string[] merges = ["H e", "l l", "He ll", "Hell o", "\u0120 w", "o r", "\u0120w or", "l d", "\u0120wor ld"];
        foreach (var m in merges) ids.TryAdd(m.Replace(" ", ""), ids.Count);
        var vocab = new JsonObject();
        foreach (var (text, id) in ids) vocab[text] = id;
        var added = new JsonArray();
        foreach (var special in new[] { "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>" })
        {
            ids[special] = ids.Count;
            added.Add(new JsonObject { ["id"] = ids[special], ["content"] = special, ["special"] = true, ["normalized"] = false });
        }
        var json = new JsonObject
        {
            ["added_tokens"] = added,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
                        ["behavior"] = "Isolated",
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["ignore_merges"] = true, ["vocab"] = vocab, ["merges"] = new JsonArray(merges.Select(m => (JsonNode)m).ToArray()) },
        };
        return (json, ids);
    }

    // GPT-2's byte → character table: printable Latin-1 bytes stand for themselves, the rest map to U+0100 onwards.
    private static IEnumerable<string> ByteAlphabet()
    {
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            yield return ((char)(printable ? b : next++)).ToString();
        }
    }

    private static void WriteCheckpoint(string folder, JsonObject tokenizerJson, int vocabSize)
    {
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizerJson.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["model_type"] = "llama",
            ["hidden_size"] = Dim,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["head_dim"] = HeadDim,
            ["num_hidden_layers"] = 1,
            ["intermediate_size"] = FeedForward,
            ["max_position_embeddings"] = 64,
            ["rms_norm_eps"] = 1e-5,
            ["vocab_size"] = vocabSize,
            ["tie_word_embeddings"] = true,
        }.ToJsonString());
        WriteSafetensors(Path.Combine(folder, "model.safetensors"), vocabSize);
    }

    // Random weights in safetensors layout: an 8-byte header length, the JSON header, then the F32 data.
    private static void WriteSafetensors(string path, int vocabSize)
    {
        var tensors = new List<(string Name, int[] Shape)> { ("model.embed_tokens.weight", [vocabSize, Dim]) };
        const string p = "model.layers.0.";
        tensors.AddRange([
            (p + "input_layernorm.weight", [Dim]),
            (p + "self_attn.q_proj.weight", [Heads * HeadDim, Dim]),
            (p + "self_attn.k_proj.weight", [KvHeads * HeadDim, Dim]),
            (p + "self_attn.v_proj.weight", [KvHeads * HeadDim, Dim]),
            (p + "self_attn.o_proj.weight", [Dim, Heads * HeadDim]),
            (p + "post_attention_layernorm.weight", [Dim]),
            (p + "mlp.gate_proj.weight", [FeedForward, Dim]),
            (p + "mlp.up_proj.weight", [FeedForward, Dim]),
            (p + "mlp.down_proj.weight", [Dim, FeedForward]),
            ("model.norm.weight", [Dim]),
        ]);
        var header = new JsonObject();
        var offset = 0L;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(4L, (a, d) => a * d);
            header[name] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["data_offsets"] = new JsonArray(offset, offset + bytes) };
            offset += bytes;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write((ulong)headerBytes.Length);
        writer.Write(headerBytes);
        var random = new Random(7);
        for (var i = 0; i < offset / 4; i++) writer.Write((float)(random.NextDouble() * 0.2 - 0.1));
    }
}
