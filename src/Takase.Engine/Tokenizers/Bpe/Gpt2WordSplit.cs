using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// GPT-2's pre-tokenizer regex <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// written out over code points, branch for branch as llama.cpp's <c>unicode_regex_split_custom_gpt2</c>.
/// </summary>
internal sealed class Gpt2WordSplit : WordSplitStep
{
    public override void Split(PreTokenizerInput input, List<int> segments, List<int> result)
    {
        var cps = input.CodePoints;
        var start = 0;
        foreach (var length in segments)
        {
            var scan = new SegmentScanner(cps, start, start + length, result);
            SplitSegment(ref scan);
            start += length;
        }
    }

    private static void SplitSegment(ref SegmentScanner s)
    {
        var pos = s.Begin;
        while (pos < s.End)
        {
            var cpt = s.At(pos);
            var flags = s.FlagsAt(pos);

            // 's|'t|'re|'ve|'m|'ll|'d
            if (cpt == '\'' && pos + 1 < s.End)
            {
                var next = s.At(pos + 1);
                if (next is 's' or 't' or 'm' or 'd') { pos = s.Cut(pos + 2); continue; }
                if (pos + 2 < s.End)
                {
                    var next2 = s.At(pos + 2);
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) { pos = s.Cut(pos + 3); continue; }
                }
            }

            var flags2 = cpt == ' ' ? s.FlagsAt(pos + 1) : flags;
            //  ?\p{L}+
            if (SegmentScanner.IsLetter(flags2))
            {
                if (cpt == ' ') pos++;
                while (SegmentScanner.IsLetter(flags2)) flags2 = s.FlagsAt(++pos);
                s.Cut(pos);
                continue;
            }
            //  ?\p{N}+
            if (SegmentScanner.IsNumber(flags2))
            {
                if (cpt == ' ') pos++;
                while (SegmentScanner.IsNumber(flags2)) flags2 = s.FlagsAt(++pos);
                s.Cut(pos);
                continue;
            }
            //  ?[^\s\p{L}\p{N}]+
            if (SegmentScanner.IsOther(flags2))
            {
                if (cpt == ' ') pos++;
                while (SegmentScanner.IsOther(flags2)) flags2 = s.FlagsAt(++pos);
                s.Cut(pos);
                continue;
            }

            var spaces = 0;
            while (SegmentScanner.IsWhitespace(s.FlagsAt(pos + spaces))) spaces++;
            // \s+(?!\S): a run of spaces followed by more text leaves its last space to the next word
            if (spaces > 1 && pos + spaces < s.End) { pos = s.Cut(pos + spaces - 1); continue; }
            // \s+
            if (spaces > 0) { pos = s.Cut(pos + spaces); continue; }
            // nothing matched: the character is a word by itself
            pos = s.Cut(pos + 1);
        }
    }
}
