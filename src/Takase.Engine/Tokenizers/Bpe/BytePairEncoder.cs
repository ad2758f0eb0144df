using System.Buffers;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// Byte-level BPE as llama.cpp's <c>llm_tokenizer_bpe_session</c>: each pre-tokenized word is spelled in GPT-2's
/// byte alphabet, then the adjacent pair with the lowest merge rank is merged (ties: the leftmost) until no listed
/// merge applies. Pieces are identified by integer ids so the merge loop never builds strings.
/// Immutable; safe to share between threads.
/// </summary>
internal sealed class BytePairEncoder
{
    private readonly Vocabulary _vocabulary;
    private readonly PreTokenizer _preTokenizer;
    // Piece ids: vocabulary ids first, then any merge operand or result that is not itself a token.
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _pieceIds;
    private readonly int[] _charPieces;                       // byte-alphabet char → piece id, or -1
    private readonly Dictionary<long, (int Rank, int Result)> _merges;

    public BytePairEncoder(Vocabulary vocabulary, PreTokenizer preTokenizer, string[] merges, string source)
    {
        _vocabulary = vocabulary;
        _preTokenizer = preTokenizer;
        var pieces = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        for (var id = 0; id < vocabulary.Count; id++) pieces[vocabulary.Texts[id]] = id;
        var nextPiece = vocabulary.Count;
        int PieceOf(string text)
        {
            if (!pieces.TryGetValue(text, out var id)) pieces[text] = id = nextPiece++;
            return id;
        }

        _merges = new Dictionary<long, (int, int)>(merges.Length);
        for (var rank = 0; rank < merges.Length; rank++)
        {
            // "left right", split at the first space after position 0 (a left side may itself start with a space).
            var merge = merges[rank];
            var space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            if (space < 0) continue; // llama.cpp records such entries as ("", ""), which can never match
            var left = PieceOf(merge[..space]);
            var right = PieceOf(merge[(space + 1)..]);
            var result = PieceOf(string.Concat(merge.AsSpan(0, space), merge.AsSpan(space + 1)));
            _merges.TryAdd(Key(left, right), (rank, result)); // the first listing of a pair wins, as in llama.cpp
        }
        if (_merges.Count == 0 && merges.Length > 0)
            throw new InvalidDataException($"{source}: none of the {merges.Length} entries of tokenizer.ggml.merges has the form 'left right'.");

        _pieceIds = pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _charPieces = new int[ByteLevelAlphabet.CharToByte.Length];
        for (var c = 0; c < _charPieces.Length; c++)
            _charPieces[c] = _pieceIds.TryGetValue([(char)c], out var id) ? id : -1;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private struct Symbol
    {
        public int Start, Length, Prev, Next, Piece;
    }

    private readonly record struct Bigram(int Rank, int Left, int Right, int Length, int Result);

    // Lowest rank first; among equal ranks the leftmost pair, exactly llama.cpp's comparator.
    private sealed class BigramOrder : IComparer<Bigram>
    {
        public static readonly BigramOrder Instance = new();
        public int Compare(Bigram x, Bigram y) => x.Rank != y.Rank ? x.Rank.CompareTo(y.Rank) : x.Left.CompareTo(y.Left);
    }

    /// <summary>Appends the tokens of one raw-text fragment to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return;
        var wordLengths = new List<int>();
        var input = _preTokenizer.Split(text, wordLengths, out var rented);
        var encoded = ArrayPool<char>.Shared.Rent(64);
        var symbols = ArrayPool<Symbol>.Shared.Rent(64);
        var queue = new PriorityQueue<Bigram, Bigram>(BigramOrder.Instance);
        try
        {
            var start = 0;
            Span<byte> utf8 = stackalloc byte[4];
            foreach (var length in wordLengths)
            {
                // Spell the word's UTF-8 bytes in the byte alphabet: one char per byte.
                var byteCount = 0;
                foreach (var cp in input.CodePoints.Slice(start, length))
                {
                    var n = Unicode.CodePoints.EncodeUtf8(cp, utf8);
                    if (byteCount + n > encoded.Length) Grow(ref encoded, byteCount + n);
                    for (var i = 0; i < n; i++) encoded[byteCount++] = ByteLevelAlphabet.ByteToChar[utf8[i]];
                }
                start += length;
                EncodeWord(encoded.AsSpan(0, byteCount), ref symbols, queue, output);
            }
        }
        finally
        {
            PreTokenizer.Release(rented);
            ArrayPool<char>.Shared.Return(encoded);
            ArrayPool<Symbol>.Shared.Return(symbols);
        }
    }

    private void EncodeWord(ReadOnlySpan<char> word, ref Symbol[] symbols, PriorityQueue<Bigram, Bigram> queue, List<int> output)
    {
        if (_preTokenizer.IgnoreMerges)
        {
            var whole = _vocabulary.Find(word);
            if (whole >= 0) { output.Add(whole); return; }
        }

        if (symbols.Length < word.Length) Grow(ref symbols, word.Length);
        for (var i = 0; i < word.Length; i++)
            symbols[i] = new Symbol { Start = i, Length = 1, Prev = i - 1, Next = i + 1 == word.Length ? -1 : i + 1, Piece = _charPieces[word[i]] };

        queue.Clear();
        for (var i = 1; i < word.Length; i++) TryAddBigram(symbols, i - 1, i, queue);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref symbols[bigram.Left];
            ref var right = ref symbols[bigram.Right];
            // Stale: one side was merged away, or grew since this pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Length) continue;

            left.Length += right.Length;
            left.Piece = bigram.Result;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = bigram.Left;

            TryAddBigram(symbols, left.Prev, bigram.Left, queue);
            TryAddBigram(symbols, bigram.Left, left.Next, queue);
        }

        for (var i = 0; i != -1; i = symbols[i].Next)
        {
            var symbol = symbols[i];
            if ((uint)symbol.Piece < (uint)_vocabulary.Count) { output.Add(symbol.Piece); continue; }
            // Not a token: llama.cpp looks each byte of the piece up as a one-byte token, which only ASCII can be.
            foreach (var c in word.Slice(symbol.Start, symbol.Length))
            {
                if (c >= 0x80) continue;
                var id = _vocabulary.Find([c]);
                if (id >= 0) output.Add(id);
            }
        }
    }

    private void TryAddBigram(Symbol[] symbols, int left, int right, PriorityQueue<Bigram, Bigram> queue)
    {
        if (left < 0 || right < 0) return;
        var l = symbols[left].Piece;
        var r = symbols[right].Piece;
        if (l < 0 || r < 0 || !_merges.TryGetValue(Key(l, r), out var merge)) return;
        var bigram = new Bigram(merge.Rank, left, right, symbols[left].Length + symbols[right].Length, merge.Result);
        queue.Enqueue(bigram, bigram);
    }

    private static void Grow<T>(ref T[] buffer, int needed)
    {
        var bigger = ArrayPool<T>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(buffer);
        buffer = bigger;
    }
}
