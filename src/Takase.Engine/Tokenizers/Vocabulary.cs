namespace Takase.Engine.Tokenizers;

/// <summary>
/// The token table: id → text, score and attributes, and text → id. Read-only once the owning
/// <see cref="Tokenizer"/> is built (which settles the attributes), so any number of encoders may read it at once.
/// Lookups accept spans so that the hot loops never build strings.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;

    public Vocabulary(string[] texts, float[]? scores, TokenAttributes[] attributes, string source)
    {
        Texts = (string[])texts.Clone(); // the caller's array may be the GGUF reader's own; never edit it
        Scores = scores ?? new float[texts.Length];
        Attributes = attributes;
        _ids = new Dictionary<string, int>(texts.Length, StringComparer.Ordinal);
        texts = Texts;
        for (var id = 0; id < texts.Length; id++)
        {
            // llama.cpp renames empty entries so that every id stays addressable by text.
            if (texts[id].Length == 0) texts[id] = $"[EMPTY_{id}]";
            if (!_ids.TryAdd(texts[id], id))
                throw new InvalidDataException($"{source}: tokenizer.ggml.tokens has the text '{texts[id]}' twice (ids {_ids[texts[id]]} and {id}); the vocabulary is corrupt.");
            MaxTokenChars = Math.Max(MaxTokenChars, texts[id].Length);
        }
        _idsBySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Texts.Length;
    public string[] Texts { get; }
    public float[] Scores { get; }
    public TokenAttributes[] Attributes { get; }
    public int MaxTokenChars { get; }

    /// <summary>The id whose text is exactly <paramref name="text"/>, or -1.</summary>
    public int Find(ReadOnlySpan<char> text) => _idsBySpan.TryGetValue(text, out var id) ? id : -1;
}
