using System.Text.Json.Nodes;

namespace Takase.Engine.Conversion;

/// <summary>
/// Names the <c>tokenizer.ggml.pre</c> of a byte-level BPE tokenizer.json from its pre-tokenizer. llama.cpp's converter
/// hashes the ids the Hugging Face tokenizer produces for a probe text; without Python here we read the splitting
/// rules themselves (the Split regexes and ByteLevel's built-in GPT-2 regex, in order) and look them up in a table of
/// known families. An unknown rule set is refused rather than guessed: a wrong split changes every token id.
/// </summary>
internal static class HfPreTokenizerNames
{
    // The regex ByteLevel applies when use_regex is true (GPT-2's, in Hugging Face's spelling).
    private const string ByteLevelRegex = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private const string Llama3Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private const string Qwen2Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    // Splitting rules (in order) → the llama.cpp pre-tokenizer that implements them.
    private static readonly (string[] Rules, string Name)[] Known =
    [
        ([ByteLevelRegex], "gpt-2"),
        ([Llama3Regex], "llama-bpe"),
        ([Qwen2Regex], "qwen2"),
    ];

    /// <summary>The names this table recognises, for error messages.</summary>
    public static IEnumerable<string> Names => Known.Select(k => k.Name);

    /// <summary>
    /// The llama.cpp pre-tokenizer name for <paramref name="preTokenizer"/> (tokenizer.json's "pre_tokenizer"), or
    /// null when its rules match no known family; <paramref name="rules"/> receives the rules found, for the message.
    /// </summary>
    public static string? Detect(JsonNode? preTokenizer, out IReadOnlyList<string> rules)
    {
        var found = new List<string>();
        Collect(preTokenizer, found);
        rules = found;
        foreach (var (known, name) in Known)
            if (known.SequenceEqual(found, StringComparer.Ordinal)) return name;
        return null;
    }

    private static void Collect(JsonNode? node, List<string> rules)
    {
        if (node is not JsonObject o) return;
        switch ((string?)o["type"])
        {
            case "Sequence":
                foreach (var step in o["pretokenizers"] as JsonArray ?? []) Collect(step, rules);
                break;
            case "Split":
                var pattern = o["pattern"];
                rules.Add((string?)pattern?["Regex"] ?? System.Text.RegularExpressions.Regex.Escape((string?)pattern?["String"] ?? ""));
                break;
            case "ByteLevel":
                if ((bool?)o["use_regex"] ?? true) rules.Add(ByteLevelRegex);
                break;
            case "Digits":
                rules.Add((bool?)o["individual_digits"] ?? false ? "\\p{N}" : "\\p{N}+");
                break;
            case var other:
                rules.Add($"<{other}>");
                break;
        }
    }
}
