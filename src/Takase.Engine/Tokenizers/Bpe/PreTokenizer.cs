using System.Buffers;
using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// Splits text into the words that byte-level BPE merges within, chosen by GGUF <c>tokenizer.ggml.pre</c>, together
/// with the other switches llama.cpp ties to that name. Immutable; safe to share between threads.
/// </summary>
internal sealed class PreTokenizer
{
    private readonly WordSplitStep[] _steps;

    private PreTokenizer(string name, string[] patterns, bool cleanSpaces = true, bool ignoreMerges = false, bool addBos = false, bool noBos = false)
    {
        Name = name;
        _steps = patterns.Select(WordSplitStep.For).ToArray();
        CleanSpaces = cleanSpaces;
        IgnoreMerges = ignoreMerges;
        AddBosByDefault = addBos;
        ClearsDefaultBos = noBos;
    }

    /// <summary>The tokenizer.ggml.pre name this was made for.</summary>
    public string Name { get; }

    /// <summary>Detokenizing tidies " ," " ." " 's" and the like (llama.cpp's clean_spaces).</summary>
    public bool CleanSpaces { get; }

    /// <summary>A word that is itself a vocabulary entry becomes that token without merging (Llama 3).</summary>
    public bool IgnoreMerges { get; }

    /// <summary>add_bos defaults to true for this family unless the GGUF says otherwise.</summary>
    public bool AddBosByDefault { get; }

    /// <summary>The BPE default BOS id (11) does not apply to this family.</summary>
    public bool ClearsDefaultBos { get; }

    /// <summary>
    /// Names with tested behaviour map to their llama.cpp regexes; other names are refused with the list of known
    /// ones, rather than silently tokenized some other way (a wrong split changes every token id).
    /// </summary>
    public static PreTokenizer ForName(string? name, string source)
    {
        switch (name)
        {
            case null or "" or "default":
                return new PreTokenizer("default", PreTokenizerPatterns.Default);
            case "gpt-2" or "phi-2" or "jina-es" or "jina-de" or "gigachat" or "jina-v2-es" or "jina-v2-de" or "a.x-4.0"
                or "mellum" or "modern-bert" or "exaone4" or "mpt" or "olmo" or "jais":
                return new PreTokenizer(name, [PreTokenizerPatterns.Gpt2]);
            case "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "falcon-h1" or "pixtral" or "midm-2.0" or "lfm2" or "jina-v5-nano":
                return new PreTokenizer(name, [PreTokenizerPatterns.Llama3], ignoreMerges: true, addBos: true);
            case "dbrx" or "smaug-bpe":
                return new PreTokenizer(name, [PreTokenizerPatterns.Llama3]);
            case "glm4" or "chatglm-bpe":
                return new PreTokenizer(name, [PreTokenizerPatterns.Llama3], noBos: true);
            case "qwen2" or "deepseek-r1-qwen" or "kormo" or "f2llmv2" or "hunyuan" or "solar-open":
                return new PreTokenizer(name, [PreTokenizerPatterns.Qwen2], cleanSpaces: false);
            case "stablelm2" or "megrez":
                return new PreTokenizer(name, [PreTokenizerPatterns.Qwen2]);
            case "deepseek-coder":
                return new PreTokenizer(name, PreTokenizerPatterns.DeepSeekCoder, cleanSpaces: false);
            case "falcon":
                return new PreTokenizer(name, PreTokenizerPatterns.Falcon);
            case "starcoder" or "refact" or "codeshell" or "exaone" or "minerva-7b" or "mellum2":
                return new PreTokenizer(name, PreTokenizerPatterns.StarCoder);
            case "command-r" or "smollm":
                return new PreTokenizer(name, PreTokenizerPatterns.StarCoder, cleanSpaces: false);
            default:
                throw new NotSupportedException(
                    $"{source}: tokenizer.ggml.pre '{name}' is not supported. Supported pre-tokenizers: default, gpt-2, llama-bpe (llama3), " +
                    "qwen2, deepseek-coder, falcon, starcoder, command-r, smollm, dbrx, chatglm-bpe and their llama.cpp aliases.");
        }
    }

    /// <summary>
    /// Splits <paramref name="text"/> into words, appending their lengths (in code points, in order) to
    /// <paramref name="wordLengths"/>; returns the code points, whose pooled buffer the caller hands to
    /// <see cref="Release"/>.
    /// </summary>
    public PreTokenizerInput Split(ReadOnlySpan<char> text, List<int> wordLengths, out int[] rentedCodePoints)
    {
        rentedCodePoints = CodePoints.Rent(text, out var count);
        var input = new PreTokenizerInput(rentedCodePoints, count);
        var current = new List<int> { count };
        var next = new List<int>();
        foreach (var step in _steps)
        {
            next.Clear();
            step.Split(input, current, next);
            (current, next) = (next, current);
        }
        wordLengths.AddRange(current);
        return input;
    }

    /// <summary>Returns the buffer <see cref="Split"/> rented.</summary>
    public static void Release(int[] rentedCodePoints) => ArrayPool<int>.Shared.Return(rentedCodePoints);
}
