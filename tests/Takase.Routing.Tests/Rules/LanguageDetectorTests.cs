using Takase.Routing.Language;

namespace Takase.Routing.Tests.Rules;

public class LanguageDetectorTests
{
    [Theory]
    [InlineData("東京から大阪までの新幹線の料金を教えてください。", "ja")]
    [InlineData("カタカナだけのテキスト", "ja")]
    [InlineData("请用简单的语言解释一下量子计算的基本原理。", "zh")]
    [InlineData("서울에서 부산까지 기차로 얼마나 걸리나요?", "ko")]
    [InlineData("Объясните, пожалуйста, как работает этот алгоритм.", "ru")]
    [InlineData("Поясніть, будь ласка, як працює цей алгоритм і що він робить.", "uk")]
    [InlineData("Εξηγήστε πώς λειτουργεί αυτός ο αλγόριθμος.", "el")]
    [InlineData("اشرح كيف تعمل هذه الخوارزمية", "ar")]
    [InlineData("הסבר איך האלגוריתם הזה עובד", "he")]
    [InlineData("อธิบายว่าอัลกอริทึมนี้ทำงานอย่างไร", "th")]
    [InlineData("What is the capital of France, and why is it there?", "en")]
    [InlineData("Quelle est la capitale de la France et pourquoi est-elle là ?", "fr")]
    [InlineData("Was ist die Hauptstadt von Deutschland und warum ist sie dort?", "de")]
    [InlineData("¿Cuál es la capital de España y por qué está allí?", "es")]
    [InlineData("Qual é a capital do Brasil e por que não é o Rio?", "pt")]
    [InlineData("Qual è la capitale dell'Italia e perché non è Milano?", "it")]
    [InlineData("Wat is de hoofdstad van Nederland en waarom is het niet Den Haag?", "nl")]
    public void DetectsTheLanguageConfidently(string text, string expected)
    {
        var detected = LanguageDetector.Detect(text);
        Assert.Equal(expected, detected.Code);
        Assert.True(detected.IsConfident, $"{text} → {detected}");
    }

    [Fact]
    public void JapaneseWithCodeStaysJapanese()
    {
        var detected = LanguageDetector.Detect("このPython関数のバグを直してください: def add(a, b): return a - b");
        Assert.Equal("ja", detected.Code);
        Assert.True(detected.IsConfident);
    }

    [Fact]
    public void AFewHanCharactersAreNotEnoughToBeSure()
    {
        var detected = LanguageDetector.Detect("東京");
        Assert.Equal("zh", detected.Code);
        Assert.False(detected.IsConfident); // kanji-only Japanese looks the same
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345 + 678 = ?")]
    [InlineData("🙂🙂")]
    public void NoLettersIsUnknown(string text)
    {
        var detected = LanguageDetector.Detect(text);
        Assert.False(detected.IsKnown);
        Assert.False(detected.IsConfident);
    }

    [Fact]
    public void AccentedLatinWithoutKnownWordsIsNotCalledEnglish()
    {
        Assert.False(LanguageDetector.Detect("Wyjaśnij, żółć gęślą jaźń łódź").IsKnown);
    }

    [Theory]
    [InlineData("ja", true)]
    [InlineData("JA", true)]
    [InlineData("ja-JP", true)]
    [InlineData("ja_JP", true)]
    [InlineData("jv", false)]
    public void MatchesLanguageTagsByPrimarySubtag(string tag, bool matches) =>
        Assert.Equal(matches, new DetectedLanguage("ja", 1).Matches(tag));
}
