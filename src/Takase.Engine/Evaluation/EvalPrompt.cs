namespace Takase.Engine.Evaluation;

/// <summary>
/// How a question becomes the context the model continues: a template where <c>{question}</c> stands for the
/// item's question. Choices follow the context after <see cref="ChoicePrefix"/> (lm-eval's target delimiter).
/// </summary>
public sealed record EvalPrompt(string Template = EvalPrompt.DefaultTemplate, string ChoicePrefix = " ")
{
    /// <summary>lm-eval's plain "Question: …\nAnswer:" format.</summary>
    public const string DefaultTemplate = "Question: {question}\nAnswer:";

    /// <summary>The context for <paramref name="question"/>.</summary>
    public string Format(string question) => Template.Replace("{question}", question, StringComparison.Ordinal);
}

/// <summary>What acc_norm divides a choice's log-likelihood by.</summary>
public enum LengthUnit
{
    /// <summary>Unicode characters of the choice text, as lm-eval's acc_norm (Python's len).</summary>
    Characters,
    /// <summary>UTF-8 bytes of the choice text (lm-eval's acc_bytes), which weighs a kanji more than a letter.</summary>
    Bytes,
}
