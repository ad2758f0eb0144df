using System.Text;
using Takase.Engine.Gguf;
using Takase.Engine.Tokenizers.Bpe;
using Takase.Engine.Tokenizers.SentencePiece;
using Takase.Engine.Tokenizers.WordPiece;

namespace Takase.Engine.Tokenizers;

public sealed partial class Tokenizer
{
    /// <summary>
    /// Builds the tokenizer described by a GGUF file's <c>tokenizer.ggml.*</c> metadata. Throws
    /// <see cref="NotSupportedException"/> for a tokenizer model or pre-tokenizer Takase does not implement, and
    /// <see cref="InvalidDataException"/> when the metadata is inconsistent; both name the file and the key.
    /// </summary>
    public static Tokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var source = file.Path;
        var model = file.GetString("tokenizer.ggml.model")
            ?? throw new InvalidDataException($"{source}: no tokenizer.ggml.model; this GGUF carries no tokenizer.");
        var tokens = file.GetStringArray("tokenizer.ggml.tokens")
            ?? throw new InvalidDataException($"{source}: tokenizer.ggml.model is '{model}' but tokenizer.ggml.tokens is missing.");
        return new Tokenizer(new TokenizerDefinition
        {
            Source = source,
            Model = model,
            Pre = file.GetString("tokenizer.ggml.pre"),
            Tokens = tokens,
            Scores = ReadScores(file, source),
            TokenTypes = file.GetIntArray("tokenizer.ggml.token_type"),
            Merges = file.GetStringArray("tokenizer.ggml.merges"),
            BosId = file.GetInteger("tokenizer.ggml.bos_token_id"),
            EosId = file.GetInteger("tokenizer.ggml.eos_token_id"),
            EotId = file.GetInteger("tokenizer.ggml.eot_token_id"),
            EomId = file.GetInteger("tokenizer.ggml.eom_token_id"),
            UnknownId = file.GetInteger("tokenizer.ggml.unknown_token_id"),
            SeparatorId = file.GetInteger("tokenizer.ggml.seperator_token_id"), // sic: the key is spelled so
            PaddingId = file.GetInteger("tokenizer.ggml.padding_token_id"),
            FimPrefixId = file.GetInteger("tokenizer.ggml.fim_pre_token_id") ?? file.GetInteger("tokenizer.ggml.prefix_token_id"),
            FimSuffixId = file.GetInteger("tokenizer.ggml.fim_suf_token_id") ?? file.GetInteger("tokenizer.ggml.suffix_token_id"),
            FimMiddleId = file.GetInteger("tokenizer.ggml.fim_mid_token_id") ?? file.GetInteger("tokenizer.ggml.middle_token_id"),
            FimPadId = file.GetInteger("tokenizer.ggml.fim_pad_token_id"),
            FimRepoId = file.GetInteger("tokenizer.ggml.fim_rep_token_id"),
            FimSeparatorId = file.GetInteger("tokenizer.ggml.fim_sep_token_id"),
            AddBos = file.GetBool("tokenizer.ggml.add_bos_token"),
            AddEos = file.GetBool("tokenizer.ggml.add_eos_token"),
            AddSep = file.GetBool("tokenizer.ggml.add_sep_token"),
            AddSpacePrefix = file.GetBool("tokenizer.ggml.add_space_prefix"),
            Lowercase = file.GetBool("tokenizer.ggml.normalizer.lowercase"),
            StripAccents = file.GetBool("tokenizer.ggml.normalizer.strip_accents"),
            ModelName = file.GetString("general.name"),
            Architecture = file.Architecture,
        });
    }

    // Scores are float32 in practice; llama.cpp also accepts int32.
    private static float[]? ReadScores(GgufFile file, string source)
    {
        if (!file.Metadata.TryGetValue("tokenizer.ggml.scores", out var value)) return null;
        if (value.Value is GgufArray { Items: float[] floats }) return floats;
        if (value.Value is GgufArray { Items: int[] ints }) return Array.ConvertAll(ints, i => (float)i);
        throw new InvalidDataException($"{source}: tokenizer.ggml.scores is {value}; expected an array of float32 or int32.");
    }

    internal Tokenizer(TokenizerDefinition d)
    {
        var n = d.Tokens.Length;
        if (n == 0) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.tokens is empty.");
        if (d.Scores is { } s && s.Length < n) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.scores has {s.Length} entries for {n} tokens.");
        if (d.TokenTypes is { } t && t.Length < n) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.token_type has {t.Length} entries for {n} tokens.");

        // Defaults per model, as llama.cpp's llama_vocab::load; metadata overrides them below.
        int bos = -1, eos = -1, unk = -1, sep = -1, pad = -1;
        bool addBos, addEos = false, addSep = false, addSpacePrefix, cleanSpaces;
        PreTokenizer? pre = null;
        switch (d.Model)
        {
            case "llama":
                Model = TokenizerModel.SentencePiece;
                (bos, eos, unk) = (1, 2, 0);
                (addBos, addSpacePrefix, cleanSpaces) = (true, true, false);
                break;
            case "bert":
                Model = TokenizerModel.WordPiece;
                (bos, unk, sep, pad) = (101, 100, 102, 0);
                (addBos, addSep, addSpacePrefix, cleanSpaces) = (true, true, false, true);
                break;
            case "gpt2":
                Model = TokenizerModel.BytePair;
                if (d.Merges is null) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.model is 'gpt2' but tokenizer.ggml.merges is missing.");
                pre = PreTokenizer.ForName(d.Pre, d.Source);
                PreTokenizerName = pre.Name;
                (bos, eos) = pre.ClearsDefaultBos ? (-1, 11) : (11, 11);
                (addBos, addSpacePrefix, cleanSpaces) = (pre.AddBosByDefault, false, pre.CleanSpaces);
                break;
            default:
                throw new NotSupportedException($"{d.Source}: tokenizer.ggml.model '{d.Model}' is not supported; Takase reads 'llama' (SentencePiece), 'gpt2' (byte-level BPE) and 'bert' (WordPiece).");
        }

        var attributes = new TokenAttributes[n];
        for (var id = 0; id < n; id++) attributes[id] = d.TokenTypes is null ? TokenAttributes.Normal : FromTokenType(d.TokenTypes[id]);
        _vocabulary = new Vocabulary(d.Tokens, d.Scores, attributes, d.Source);
        var texts = _vocabulary.Texts;

        int Special(long? fromMetadata, int fallback)
        {
            if (fallback >= n) fallback = -1; // a default beyond this vocabulary is disabled
            return fromMetadata is { } v && v >= 0 && v < n ? (int)v : fallback;
        }
        bos = Special(d.BosId, bos);
        eos = Special(d.EosId, eos);
        var eot = Special(d.EotId, -1);
        var eom = Special(d.EomId, -1);
        unk = Special(d.UnknownId, unk);
        sep = Special(d.SeparatorId, sep);
        pad = Special(d.PaddingId, pad);
        var fimPre = Special(d.FimPrefixId, -1);
        var fimSuf = Special(d.FimSuffixId, -1);
        var fimMid = Special(d.FimMiddleId, -1);
        var fimPad = Special(d.FimPadId, -1);
        var fimRep = Special(d.FimRepoId, -1);
        var fimSep = Special(d.FimSeparatorId, -1);

        addBos = d.AddBos ?? addBos;
        addEos = d.AddEos ?? addEos;
        addSep = d.AddSep ?? addSep;
        addSpacePrefix = d.AddSpacePrefix ?? addSpacePrefix;
        if (addBos && bos < 0) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set.");
        if (addEos && eos < 0) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set.");
        if (addSep && sep < 0) throw new InvalidDataException($"{d.Source}: tokenizer.ggml.add_sep_token is true, but tokenizer.ggml.seperator_token_id is not set.");

        // Recognise unrecorded special tokens by text; what is recognised must be a control token. (The attribute
        // array is shared with the vocabulary, which is complete only once this constructor has finished.)
        int Recognise(int current, string[] candidates)
        {
            if (current >= 0) return current;
            var found = candidates.Select(c => _vocabulary.Find(c)).Where(id => id >= 0).DefaultIfEmpty(-1).Min();
            if (found >= 0) attributes[found] |= TokenAttributes.Control;
            return found;
        }
        eot = Recognise(eot, SpecialTokenConventions.EndOfTurn);
        eom = Recognise(eom, SpecialTokenConventions.EndOfMessage);
        _ = Recognise(fimPre, SpecialTokenConventions.FimPrefix);
        _ = Recognise(fimSuf, SpecialTokenConventions.FimSuffix);
        _ = Recognise(fimMid, SpecialTokenConventions.FimMiddle);
        fimPad = Recognise(fimPad, SpecialTokenConventions.FimPad);
        fimRep = Recognise(fimRep, SpecialTokenConventions.FimRepo);
        fimSep = Recognise(fimSep, SpecialTokenConventions.FimSeparator);

        for (var id = 0; id < n; id++)
            if ((attributes[id] & TokenAttributes.Control) != 0 && texts[id].Contains("unused", StringComparison.Ordinal))
                attributes[id] |= TokenAttributes.Unused;

        _endOfGeneration = [];
        foreach (var id in new[] { fimPad, fimRep, fimSep }) if (id >= 0) _endOfGeneration.Add(id);
        foreach (var text in SpecialTokenConventions.EndOfGeneration)
        {
            var id = _vocabulary.Find(text);
            if (id < 0) continue;
            _endOfGeneration.Add(id);
            attributes[id] |= TokenAttributes.Control;
        }
        foreach (var text in SpecialTokenConventions.AlwaysRendered)
            if (_vocabulary.Find(text) is var id and >= 0) attributes[id] = TokenAttributes.UserDefined;
        foreach (var id in new[] { eos, eot, eom }) if (id >= 0) _endOfGeneration.Add(id);
        ApplyEndOfGenerationExceptions(attributes);

        ApplyStripConventions(d, attributes);

        BosId = bos >= 0 ? bos : null;
        EosId = eos >= 0 ? eos : null;
        EotId = eot >= 0 ? eot : null;
        EomId = eom >= 0 ? eom : null;
        UnknownId = unk >= 0 ? unk : null;
        SeparatorId = sep >= 0 ? sep : null;
        PaddingId = pad >= 0 ? pad : null;
        AddBos = addBos;
        AddEos = addEos;
        AddSpacePrefix = addSpacePrefix;
        _addSep = addSep;
        _cleanSpaces = cleanSpaces;

        _splitter = new SpecialTokenSplitter(_vocabulary);
        (_pieceBytes, _pieceOffsets) = BuildPieces();
        switch (Model)
        {
            case TokenizerModel.SentencePiece:
                _sentencePiece = new SentencePieceEncoder(_vocabulary, unk);
                break;
            case TokenizerModel.BytePair:
                _bytePair = new BytePairEncoder(_vocabulary, pre!, d.Merges!, d.Source);
                break;
            default:
                if (unk < 0 || bos < 0 || sep < 0)
                    throw new InvalidDataException($"{d.Source}: a WordPiece vocabulary needs unknown, [CLS] (tokenizer.ggml.bos_token_id) and [SEP] (tokenizer.ggml.seperator_token_id) ids; found unk={unk}, cls={bos}, sep={sep}.");
                var lowercase = d.Lowercase ?? true;
                _wordPiece = new WordPieceEncoder(_vocabulary, unk, lowercase, d.StripAccents ?? lowercase);
                break;
        }
    }

    private static TokenAttributes FromTokenType(int type) => type switch
    {
        1 => TokenAttributes.Normal,
        2 => TokenAttributes.Unknown,
        3 => TokenAttributes.Control,
        4 => TokenAttributes.UserDefined,
        5 => TokenAttributes.Unused,
        6 => TokenAttributes.Byte,
        _ => TokenAttributes.Undefined,
    };

    // llama.cpp's workarounds: with <|return|>+<|call|> (gpt-oss) or <|calls|>+<|flush|> (solar-open), <|end|> ends
    // only a message, not the generation; with <|tool_response> (gemma 4), </s> is ordinary text.
    private void ApplyEndOfGenerationExceptions(TokenAttributes[] attributes)
    {
        bool Has(string text) => _vocabulary.Find(text) is var id and >= 0 && _endOfGeneration.Contains(id);
        var end = _vocabulary.Find("<|end|>");
        if (end >= 0 && Has("<|end|>") && ((Has("<|return|>") && Has("<|call|>")) || (Has("<|calls|>") && Has("<|flush|>"))))
        {
            _endOfGeneration.Remove(end);
            attributes[end] = TokenAttributes.UserDefined;
        }
        var s = _vocabulary.Find("</s>");
        if (s >= 0 && Has("</s>") && Has("<|tool_response>"))
        {
            _endOfGeneration.Remove(s);
            attributes[s] = TokenAttributes.Normal;
        }
    }

    // Per-model space stripping beside special tokens, keyed on names as llama.cpp does.
    private void ApplyStripConventions(TokenizerDefinition d, TokenAttributes[] attributes)
    {
        var name = d.ModelName?.ToLowerInvariant() ?? "";
        var pre = d.Pre ?? "";
        var architecture = d.Architecture ?? "";
        void Set(string text, TokenAttributes flag, bool on)
        {
            var id = _vocabulary.Find(text);
            if (id < 0) return;
            attributes[id] = on ? attributes[id] | flag : attributes[id] & ~flag;
        }
        if (pre is "jina-v2-de" or "jina-v2-es" or "jina-v2-code" || architecture.Contains("nomic-bert-moe") || architecture.Contains("jina-bert-v3"))
        {
            Set("<mask>", TokenAttributes.LStrip, true);
        }
        else if (name.Contains("phi-3") || name.Contains("phi3"))
        {
            const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
            for (var id = 0; id < attributes.Length; id++)
                if ((attributes[id] & special) != 0) attributes[id] |= TokenAttributes.RStrip;
            Set("</s>", TokenAttributes.RStrip, true);
            foreach (var text in new[] { "<unk>", "<s>", "<|endoftext|>" }) Set(text, TokenAttributes.RStrip, false);
        }
        else if (name.Contains("modern-bert"))
        {
            Set("[MASK]", TokenAttributes.LStrip, true);
        }
    }

    // The bytes each token renders to (llama.cpp's token_to_piece with special = true); TokenBytes hides control
    // and unknown tokens unless asked.
    private (byte[] Bytes, int[] Offsets) BuildPieces()
    {
        var n = _vocabulary.Count;
        var offsets = new int[n + 1];
        var bytes = new List<byte>(n * 6);
        for (var id = 0; id < n; id++)
        {
            offsets[id] = bytes.Count;
            AppendPiece(id, bytes);
        }
        offsets[n] = bytes.Count;
        return (bytes.ToArray(), offsets);
    }

    private void AppendPiece(int id, List<byte> bytes)
    {
        var text = _vocabulary.Texts[id];
        var attributes = _vocabulary.Attributes[id];
        if ((attributes & (TokenAttributes.Unknown | TokenAttributes.Control | TokenAttributes.UserDefined)) != 0)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
        }
        else if ((attributes & TokenAttributes.Normal) != 0)
        {
            if (Model == TokenizerModel.BytePair) AppendByteLevel(text, bytes);
            else bytes.AddRange(Encoding.UTF8.GetBytes(text.Replace(SentencePieceSpace, ' ')));
        }
        else if ((attributes & TokenAttributes.Byte) != 0)
        {
            bytes.Add(ParseByteToken(text));
        }
        // unused and undefined tokens render as nothing
    }

    // Byte-alphabet characters back to bytes; a character outside the alphabet is spelled out as llama.cpp does.
    private static void AppendByteLevel(string text, List<byte> bytes)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            var b = ByteLevelAlphabet.ToByte(rune.Value);
            if (b >= 0) { bytes.Add((byte)b); continue; }
            var utf8 = Encoding.UTF8.GetBytes(rune.ToString());
            bytes.AddRange(Encoding.UTF8.GetBytes("[UNK_BYTE_0x" + Convert.ToHexStringLower(utf8) + text + "]"));
        }
    }

    // "<0xAB>" → 0xAB, reading the two characters after "<0x" as strtol does (stops at the first non-hex digit).
    private static byte ParseByteToken(string text)
    {
        var value = 0;
        for (var i = 3; i < Math.Min(5, text.Length); i++)
        {
            var digit = HexDigit(text[i]);
            if (digit < 0) break;
            value = value * 16 + digit;
        }
        return (byte)value;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
