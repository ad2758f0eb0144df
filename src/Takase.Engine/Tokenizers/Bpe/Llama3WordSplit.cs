using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// Llama 3's pre-tokenizer regex
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// written out over code points, branch for branch as llama.cpp's <c>unicode_regex_split_custom_llama3</c>.
/// </summary>
internal sealed class Llama3WordSplit : WordSplitStep
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

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (cpt == '\'' && pos + 1 < s.End)
            {
                var next = UnicodeClass.ToLower(s.At(pos + 1));
                if (next is 's' or 't' or 'm' or 'd') { pos = s.Cut(pos + 2); continue; }
                if (pos + 2 < s.End)
                {
                    var next2 = UnicodeClass.ToLower(s.At(pos + 2));
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) { pos = s.Cut(pos + 3); continue; }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || SegmentScanner.IsNumber(flags))
                && (SegmentScanner.IsLetter(flags) || SegmentScanner.IsLetter(s.FlagsAt(pos + 1))))
            {
                pos++;
                while (SegmentScanner.IsLetter(s.FlagsAt(pos))) pos++;
                s.Cut(pos);
                continue;
            }

            // \p{N}{1,3}
            if (SegmentScanner.IsNumber(flags))
            {
                var groupStart = pos;
                while (SegmentScanner.IsNumber(s.FlagsAt(pos)))
                {
                    if (++pos - groupStart >= 3) groupStart = s.Cut(pos);
                }
                s.Cut(pos);
                continue;
            }

            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            var flags2 = cpt == ' ' ? s.FlagsAt(pos + 1) : flags;
            if ((flags2 & (CodePointFlags.Whitespace | CodePointFlags.Letter | CodePointFlags.Number)) == 0 && flags != CodePointFlags.None)
            {
                if (cpt == ' ') pos++;
                while (SegmentScanner.IsOther(flags2)) flags2 = s.FlagsAt(++pos);
                while (s.At(pos) is '\r' or '\n') pos++;
                s.Cut(pos);
                continue;
            }

            var spaces = 0;
            var afterLastNewline = 0;
            while (SegmentScanner.IsWhitespace(s.FlagsAt(pos + spaces)))
            {
                if (s.At(pos + spaces) is '\r' or '\n') afterLastNewline = pos + spaces + 1;
                spaces++;
            }
            // \s*[\r\n]+
            if (afterLastNewline > 0) { pos = s.Cut(afterLastNewline); continue; }
            // \s+(?!\S)
            if (spaces > 1 && pos + spaces < s.End) { pos = s.Cut(pos + spaces - 1); continue; }
            // \s+
            if (spaces > 0) { pos = s.Cut(pos + spaces); continue; }
            pos = s.Cut(pos + 1);
        }
    }
}
