using System.Buffers;

namespace Takase.Engine.Tokenizers.SentencePiece;

/// <summary>
/// SentencePiece-style BPE over scored pieces, as llama.cpp's <c>llm_tokenizer_spm</c>: start from single code
/// points, repeatedly merge the adjacent pair whose concatenation is the highest-scoring vocabulary entry (ties: the
/// leftmost pair), and spell whatever never became a token as &lt;0xXX&gt; byte tokens.
/// The input is already escaped (spaces as ▁, optional leading ▁). Stateless; safe to share between threads.
/// </summary>
internal sealed class SentencePieceEncoder
{
    private readonly Vocabulary _vocabulary;
    private readonly int[] _byteTokens;   // byte value → its byte-fallback token, or -1
    private readonly int _unknownId;

    public SentencePieceEncoder(Vocabulary vocabulary, int unknownId)
    {
        _vocabulary = vocabulary;
        _unknownId = unknownId;
        _byteTokens = new int[256];
        Span<char> name = stackalloc char[6];
        for (var b = 0; b < 256; b++)
        {
            // llama.cpp's byte_to_token: "<0xXX>" (upper-case hex), else the byte itself as a one-character token.
            "<0x".CopyTo(name);
            name[3] = "0123456789ABCDEF"[b >> 4];
            name[4] = "0123456789ABCDEF"[b & 15];
            name[5] = '>';
            var id = vocabulary.Find(name);
            if (id < 0 && b < 0x80) id = vocabulary.Find([(char)b]);
            _byteTokens[b] = id;
        }
    }

    private struct Symbol
    {
        public int Start, Length, Prev, Next;
    }

    private readonly record struct Bigram(float Score, int Left, int Right, int Length);

    // Highest score first; among equal scores the leftmost pair, exactly llama.cpp's comparator.
    private sealed class BigramOrder : IComparer<Bigram>
    {
        public static readonly BigramOrder Instance = new();
        public int Compare(Bigram x, Bigram y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Left.CompareTo(y.Left);
    }

    /// <summary>Appends the tokens of <paramref name="text"/> (already ▁-escaped) to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return;
        var symbols = ArrayPool<Symbol>.Shared.Rent(text.Length);
        try
        {
            // One symbol per code point (a surrogate pair stays together).
            var count = 0;
            for (var i = 0; i < text.Length;)
            {
                var length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
                symbols[count] = new Symbol { Start = i, Length = length, Prev = count - 1, Next = i + length == text.Length ? -1 : count + 1 };
                count++;
                i += length;
            }

            var queue = new PriorityQueue<Bigram, Bigram>(BigramOrder.Instance);
            for (var i = 1; i < count; i++) TryAddBigram(text, symbols, i - 1, i, queue);

            while (queue.TryDequeue(out var bigram, out _))
            {
                ref var left = ref symbols[bigram.Left];
                ref var right = ref symbols[bigram.Right];
                // Stale: one side was merged away, or grew since this pair was queued.
                if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Length) continue;

                left.Length += right.Length;
                right.Length = 0;
                left.Next = right.Next;
                if (right.Next >= 0) symbols[right.Next].Prev = bigram.Left;

                TryAddBigram(text, symbols, left.Prev, bigram.Left, queue);
                TryAddBigram(text, symbols, bigram.Left, left.Next, queue);
            }

            for (var i = 0; i != -1; i = symbols[i].Next) Emit(text.Slice(symbols[i].Start, symbols[i].Length), output);
        }
        finally
        {
            ArrayPool<Symbol>.Shared.Return(symbols);
        }
    }

    private void TryAddBigram(ReadOnlySpan<char> text, Symbol[] symbols, int left, int right, PriorityQueue<Bigram, Bigram> queue)
    {
        if (left < 0 || right < 0) return;
        var length = symbols[left].Length + symbols[right].Length;
        var id = _vocabulary.Find(text.Slice(symbols[left].Start, length));
        if (id < 0) return;
        var bigram = new Bigram(_vocabulary.Scores[id], left, right, length);
        queue.Enqueue(bigram, bigram);
    }

    // A final symbol is either a token, or a single code point the vocabulary lacks: spell it as bytes.
    // (llama.cpp also keeps a reverse-merge map for re-segmenting, but merged symbols are always tokens, so only
    // unmerged code points ever reach the fallback.)
    private void Emit(ReadOnlySpan<char> piece, List<int> output)
    {
        var id = _vocabulary.Find(piece);
        if (id >= 0) { output.Add(id); return; }
        Span<byte> utf8 = stackalloc byte[8];
        var n = System.Text.Encoding.UTF8.GetBytes(piece, utf8);
        for (var i = 0; i < n; i++)
        {
            var byteToken = _byteTokens[utf8[i]];
            // A vocabulary without byte tokens cannot spell this; llama.cpp would abort, we fall back to <unk>.
            if (byteToken >= 0) output.Add(byteToken);
            else if (_unknownId >= 0) output.Add(_unknownId);
        }
    }
}
