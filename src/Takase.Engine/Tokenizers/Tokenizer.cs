using System.Buffers;
using Takase.Engine.Tokenizers.Bpe;
using Takase.Engine.Tokenizers.SentencePiece;
using Takase.Engine.Tokenizers.Unicode;
using Takase.Engine.Tokenizers.WordPiece;

namespace Takase.Engine.Tokenizers;

/// <summary>
/// Text ↔ token ids for a model, built from its GGUF tokenizer metadata and producing exactly the ids llama.cpp
/// produces (SentencePiece "llama", byte-level BPE "gpt2" with llama.cpp's pre-tokenizers, WordPiece "bert").
/// Immutable after construction: any number of threads may encode and decode at once.
/// </summary>
public sealed partial class Tokenizer
{
    private const char SentencePieceSpace = '\u2581'; // ▁

    private readonly Vocabulary _vocabulary;
    private readonly SpecialTokenSplitter _splitter;
    private readonly SentencePieceEncoder? _sentencePiece;
    private readonly BytePairEncoder? _bytePair;
    private readonly WordPieceEncoder? _wordPiece;
    private readonly HashSet<int> _endOfGeneration;
    private readonly byte[] _pieceBytes;   // every token's rendered bytes, back to back
    private readonly int[] _pieceOffsets;  // token id → start in _pieceBytes; [id + 1] is its end
    private readonly bool _addSep;
    private readonly bool _cleanSpaces;

    /// <summary>The algorithm (tokenizer.ggml.model).</summary>
    public TokenizerModel Model { get; }

    /// <summary>The BPE pre-tokenizer name in use (tokenizer.ggml.pre, "default" when absent); null for other models.</summary>
    public string? PreTokenizerName { get; }

    /// <summary>Number of token ids (the vocabulary size).</summary>
    public int VocabSize => _vocabulary.Count;

    /// <summary>Beginning-of-sequence token, if the model has one.</summary>
    public int? BosId { get; }

    /// <summary>End-of-sequence token, if the model has one.</summary>
    public int? EosId { get; }

    /// <summary>End-of-turn token (e.g. &lt;|eot_id|&gt;, &lt;|im_end|&gt;), from metadata or recognised by its text.</summary>
    public int? EotId { get; }

    /// <summary>End-of-message token (&lt;|eom_id|&gt;), if any.</summary>
    public int? EomId { get; }

    /// <summary>Unknown-token id, if any.</summary>
    public int? UnknownId { get; }

    /// <summary>Separator token (BERT's [SEP]), if any.</summary>
    public int? SeparatorId { get; }

    /// <summary>Padding token, if any.</summary>
    public int? PaddingId { get; }

    /// <summary>Whether <see cref="Encode"/> with addSpecial prepends <see cref="BosId"/> (BERT: [CLS]).</summary>
    public bool AddBos { get; }

    /// <summary>Whether <see cref="Encode"/> with addSpecial appends <see cref="EosId"/>.</summary>
    public bool AddEos { get; }

    /// <summary>SentencePiece: a space is put before text that starts the input or follows a special token.</summary>
    public bool AddSpacePrefix { get; }

    /// <summary>True for tokens that end a generation: EOS, EOT, EOM and the texts llama.cpp treats as such.</summary>
    public bool IsEndOfGeneration(int id) => _endOfGeneration.Contains(id);

    /// <summary>True for control tokens (BOS, EOS, chat markers): hidden in decoded text unless rendered on request.</summary>
    public bool IsControl(int id) => (GetAttributes(id) & TokenAttributes.Control) != 0;

    /// <summary>The kind of token <paramref name="id"/> is.</summary>
    public TokenAttributes GetAttributes(int id) => _vocabulary.Attributes[CheckId(id)];

    /// <summary>The raw vocabulary entry of <paramref name="id"/> (e.g. "▁Hello", "ĠHello", "&lt;0x0A&gt;").</summary>
    public string TokenText(int id) => _vocabulary.Texts[CheckId(id)];

    /// <summary>The id whose vocabulary entry is exactly <paramref name="text"/>, or null.</summary>
    public int? FindToken(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var id = _vocabulary.Find(text);
        return id >= 0 ? id : null;
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS/EOS as the model asks
    /// (<see cref="AddBos"/>, <see cref="AddEos"/>; BERT: [CLS] … [SEP]). With <paramref name="parseSpecial"/>, control
    /// tokens written in the text (e.g. "&lt;|im_start|&gt;") become their ids; without it they are tokenized as
    /// plain text, so user input cannot inject them. User-defined (added) tokens are always recognised.
    /// </summary>
    public int[] Encode(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = CodePoints.Sanitize(text);
        var fragments = _splitter.Split(text, parseSpecial);
        var output = new List<int>(text.Length / 3 + 4);
        switch (Model)
        {
            case TokenizerModel.SentencePiece: EncodeSentencePiece(text, fragments, addSpecial, output); break;
            case TokenizerModel.BytePair: EncodeBytePair(text, fragments, addSpecial, output); break;
            default: EncodeWordPiece(text, fragments, addSpecial, output); break;
        }
        return output.ToArray();
    }

    private void EncodeSentencePiece(string text, List<TextFragment> fragments, bool addSpecial, List<int> output)
    {
        if (addSpecial && AddBos) output.Add(BosId!.Value);
        var previousWasSpecial = true; // the input's start counts as "after a special token"
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                previousWasSpecial = true;
                continue;
            }
            var prefix = AddSpacePrefix && previousWasSpecial ? 1 : 0;
            var escaped = ArrayPool<char>.Shared.Rent(fragment.Length + prefix);
            try
            {
                if (prefix == 1) escaped[0] = SentencePieceSpace;
                text.AsSpan(fragment.Start, fragment.Length).Replace(escaped.AsSpan(prefix, fragment.Length), ' ', SentencePieceSpace);
                _sentencePiece!.Encode(escaped.AsSpan(0, fragment.Length + prefix), output);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(escaped);
            }
            previousWasSpecial = false;
        }
        if (addSpecial && AddEos) output.Add(EosId!.Value);
    }

    private void EncodeBytePair(string text, List<TextFragment> fragments, bool addSpecial, List<int> output)
    {
        if (addSpecial && AddBos) output.Add(BosId!.Value);
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken) output.Add(fragment.TokenId);
            else _bytePair!.Encode(text.AsSpan(fragment.Start, fragment.Length), output);
        }
        if (addSpecial && AddEos) output.Add(EosId!.Value);
    }

    private void EncodeWordPiece(string text, List<TextFragment> fragments, bool addSpecial, List<int> output)
    {
        // llama.cpp frames BERT input with [CLS] … [SEP] whenever special tokens are added.
        if (addSpecial) output.Add(BosId!.Value);
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken) output.Add(fragment.TokenId);
            else _wordPiece!.Encode(text.AsSpan(fragment.Start, fragment.Length), output);
        }
        if (addSpecial && _addSep) output.Add(SeparatorId!.Value);
    }

    /// <summary>
    /// The UTF-8 bytes token <paramref name="id"/> contributes to generated text: ▁ as a space and &lt;0xXX&gt; as
    /// its byte (SentencePiece), the byte alphabet turned back into bytes (BPE); control and unknown tokens give
    /// nothing. A piece may be part of a multi-byte character; see <see cref="StreamingDetokenizer"/>.
    /// </summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => TokenBytes(id, renderSpecial: false);

    /// <summary>As <see cref="TokenBytes(int)"/>; with <paramref name="renderSpecial"/>, control and unknown tokens give their text.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id, bool renderSpecial)
    {
        CheckId(id);
        if (!renderSpecial && (_vocabulary.Attributes[id] & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) return [];
        return _pieceBytes.AsSpan(_pieceOffsets[id], _pieceOffsets[id + 1] - _pieceOffsets[id]);
    }

    /// <summary>
    /// The text of <paramref name="ids"/>: their <see cref="TokenBytes(int, bool)"/> joined and read as UTF-8
    /// (invalid or cut-off sequences as U+FFFD). Nothing is stripped: a SentencePiece text keeps its leading space,
    /// as llama.cpp's generation output does. Use <see cref="Detokenize"/> to undo <see cref="Encode"/> instead.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool renderSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (var id in ids) buffer.Write(TokenBytes(id, renderSpecial));
        return CodePoints.Utf8ToString(buffer.WrittenSpan);
    }

    private int CheckId(int id) => (uint)id < (uint)_vocabulary.Count
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (0…{_vocabulary.Count - 1})");
}
