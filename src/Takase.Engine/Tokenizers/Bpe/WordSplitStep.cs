using System.Text.RegularExpressions;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// One regex of a pre-tokenizer: refines a list of segment lengths (in code points) into finer segments, keeping
/// the text between matches as segments too, exactly as llama.cpp's <c>unicode_regex_split</c> chains its regexes.
/// </summary>
internal abstract class WordSplitStep
{
    public abstract void Split(PreTokenizerInput input, List<int> segments, List<int> result);

    /// <summary>
    /// The step for a llama.cpp pattern: the hand-written code-point splitters for the GPT-2 and Llama 3 patterns
    /// (as llama.cpp uses them), otherwise a .NET regex over the matching one-unit-per-code-point view.
    /// </summary>
    public static WordSplitStep For(string pattern) => pattern switch
    {
        PreTokenizerPatterns.Gpt2 => new Gpt2WordSplit(),
        PreTokenizerPatterns.Llama3 => new Llama3WordSplit(),
        _ => new RegexWordSplit(pattern),
    };
}

/// <summary>A pattern run by .NET's backtracking engine in ECMAScript mode (std::regex's dialect).</summary>
internal sealed class RegexWordSplit : WordSplitStep
{
    private readonly Regex _regex;
    private readonly bool _collapsed;

    public RegexWordSplit(string pattern)
    {
        if (pattern.Any(char.IsSurrogate))
            throw new NotSupportedException($"pre-tokenizer regex '{pattern}' names characters outside the BMP, which Takase's regex pre-tokenizer cannot match yet");
        _collapsed = RegexTranslation.UsesCategories(pattern);
        _regex = new Regex(_collapsed ? RegexTranslation.Collapse(pattern) : pattern, RegexOptions.ECMAScript | RegexOptions.Compiled);
    }

    public override void Split(PreTokenizerInput input, List<int> segments, List<int> result)
    {
        var text = _collapsed ? input.Collapsed : input.Wide;
        var start = 0;
        foreach (var length in segments)
        {
            var previous = 0;
            foreach (var match in _regex.EnumerateMatches(text.Slice(start, length)))
            {
                if (match.Index > previous) result.Add(match.Index - previous);
                if (match.Length > 0) result.Add(match.Length);
                previous = match.Index + match.Length;
            }
            if (previous < length) result.Add(length - previous);
            start += length;
        }
    }
}
