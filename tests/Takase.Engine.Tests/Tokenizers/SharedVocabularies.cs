using System.Collections.Concurrent;
using Takase.Engine.Gguf;
using Takase.Tests.Support;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>
/// The tokenizers of ../shared/data, each built once per test run (building the 280k-merge Llama 3 vocabulary
/// takes a moment) and shared: a <see cref="Tokenizer"/> is immutable and safe to use from parallel tests.
/// </summary>
internal static class SharedVocabularies
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Cache = new();

    /// <summary>The tokenizer of shared/data/<paramref name="relativePath"/>; skips the test when the file is absent.</summary>
    public static Tokenizer Get(string relativePath)
    {
        var path = SharedData.Path(relativePath);
        return Cache.GetOrAdd(path, p => new Lazy<Tokenizer>(() =>
        {
            using var file = GgufFile.Open(p);
            return Tokenizer.FromGguf(file);
        })).Value;
    }

    /// <summary>shared/data/vocab/ggml-vocab-NAME.gguf.</summary>
    public static Tokenizer Vocab(string name) => Get($"vocab/ggml-vocab-{name}.gguf");
}
