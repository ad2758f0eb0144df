namespace Takase.Routing.Learned.NGram;

/// <summary>
/// A few numbers about a prompt's shape that n-grams miss: how long it is, how many numbers and questions it holds,
/// whether it looks like code or maths. Each is log-scaled (counts) or a share (0..1); the model standardises them
/// with the training set's mean and deviation.
/// </summary>
internal static class PromptStatistics
{
    /// <summary>The statistics' names, as they appear in explanations ("stat:length").</summary>
    public static readonly string[] Names =
    [
        "length", "lines", "words", "numbers", "digit_share", "questions", "sentences", "code_markers", "math_operators", "non_ascii_share",
    ];

    /// <summary>Number of statistics.</summary>
    public static int Count => Names.Length;

    /// <summary>Computes the raw statistics of <paramref name="prompt"/> into <paramref name="into"/>.</summary>
    public static void Compute(string prompt, Span<double> into)
    {
        int lines = 1, words = 0, numbers = 0, digits = 0, questions = 0, sentences = 0, code = 0, math = 0, nonAscii = 0, letters = 0;
        bool inWord = false, inNumber = false;
        for (var i = 0; i < prompt.Length; i++)
        {
            var c = prompt[i];
            if (c == '\n') lines++;
            var space = char.IsWhiteSpace(c);
            if (!space && !inWord) words++;
            inWord = !space;
            var digit = c is >= '0' and <= '9' or >= '０' and <= '９';
            if (digit) digits++;
            if (digit && !inNumber) numbers++;
            inNumber = digit || (inNumber && (c is '.' or ',') && i + 1 < prompt.Length && prompt[i + 1] is >= '0' and <= '9');
            switch (c)
            {
                case '?' or '？': questions++; break;
                case '.' or '!' or '。' or '！': sentences++; break;
                case '{' or '}' or ';' or '`' or '[' or ']' or '<' or '>' or '_': code++; break;
                case '+' or '-' or '*' or '/' or '=' or '^' or '%' or '$' or '×' or '÷': math++; break;
            }
            if (char.IsLetter(c))
            {
                letters++;
                if (c >= 0x80) nonAscii++;
            }
        }
        into[0] = Math.Log(1 + prompt.Length);
        into[1] = Math.Log(lines);
        into[2] = Math.Log(1 + words);
        into[3] = Math.Log(1 + numbers);
        into[4] = prompt.Length == 0 ? 0 : (double)digits / prompt.Length;
        into[5] = Math.Log(1 + questions);
        into[6] = Math.Log(1 + sentences);
        into[7] = Math.Log(1 + code);
        into[8] = Math.Log(1 + math);
        into[9] = letters == 0 ? 0 : (double)nonAscii / letters;
    }
}
