using Takase.Routing.Decisions;
using Takase.Routing.Rules;

namespace Takase.Routing.Tests.Rules;

public class TokenEstimatorTests
{
    [Fact]
    public void LatinTextIsAboutFourCharactersPerToken() =>
        Assert.Equal(250, TokenEstimator.Estimate(new string('a', 1000)));

    [Fact]
    public void CjkTextIsAboutOneCharacterPerToken() =>
        Assert.Equal(13, TokenEstimator.Estimate("日本語のテキストです한국어")); // 10 Japanese + 3 Korean characters

    [Fact]
    public void CjkPunctuationIsATokenToo() =>
        Assert.Equal(4, TokenEstimator.Estimate("はい。！")); // two kana, an ideographic full stop, a fullwidth "!"

    [Fact]
    public void MixedTextAddsBoth() =>
        Assert.Equal(5 + 2, TokenEstimator.Estimate("東京タワー is tall")); // 5 CJK + ceil(8/4)

    [Fact]
    public void ConversationsAddTemplateOverheadPerMessage()
    {
        RouteMessage[] messages = [new("system", "abcd"), new("user", "abcdabcd")];
        Assert.Equal(1 + 2 + 2 * TokenEstimator.PerMessageOverhead, TokenEstimator.Estimate(messages));
    }
}
