using Takase.Routing.Privacy;

namespace Takase.Routing.Tests.Privacy;

public class NormalizedTextTests
{
    [Theory]
    [InlineData("ｔｅｓｔ＠ｅｘａｍｐｌｅ．ｃｏｍ", "test@example.com")]
    [InlineData("０９０−１２３４−５６７８", "090-1234-5678")]
    [InlineData("〒１００−０００１", "〒100-0001")]
    [InlineData("０３ー１２３４ー５６７８", "03-1234-5678")]
    [InlineData("データ", "データ")]
    [InlineData("ｶﾞｲﾄﾞ", "ガイド")]
    [InlineData("電話　03‐1234–5678", "電話 03-1234-5678")]
    public void FoldsFullWidthDashesAndSpaces(string original, string expected) =>
        Assert.Equal(expected, NormalizedText.Create(original).Text);

    [Fact]
    public void MapsNormalizedSpansBackToTheOriginal()
    {
        // ｶﾞ (two UTF-16 units) becomes ガ (one), and ㈱ (one) becomes (株) (three): the map follows both.
        var original = "ｶﾞｲﾄﾞ㈱ ０９０−１２３４−５６７８ です";
        var n = NormalizedText.Create(original);
        var start = n.Text.IndexOf("090", StringComparison.Ordinal);
        var (s, e) = n.ToOriginal(start, start + "090-1234-5678".Length);
        Assert.Equal("０９０−１２３４−５６７８", original[s..e]);
        var kabu = n.Text.IndexOf("(株)", StringComparison.Ordinal);
        Assert.Equal("㈱", original[n.ToOriginal(kabu, kabu + 3).Start..n.ToOriginal(kabu, kabu + 3).End]);
        Assert.Equal("ｶﾞｲﾄﾞ", original[n.ToOriginal(0, 3).Start..n.ToOriginal(0, 3).End]);
    }

    [Fact]
    public void AnalyzerReportsFullWidthEntitiesAtTheirOriginalIndices()
    {
        var text = "連絡先：ｔｅｓｔ＠ｅｘａｍｐｌｅ．ｃｏｍ、０９０−１２３４−５６７８、〒１００−０００１";
        var spans = new PiiAnalyzer().Analyze(text);
        Assert.Equal(
            [(PiiEntityType.Email, "ｔｅｓｔ＠ｅｘａｍｐｌｅ．ｃｏｍ"), (PiiEntityType.Phone, "０９０−１２３４−５６７８"), (PiiEntityType.PostalCode, "１００−０００１")],
            spans.Select(s => (s.Type, s.TextIn(text))).ToArray());
    }

    [Fact]
    public void AsciiTextIsItsOwnNormalization()
    {
        var n = NormalizedText.Create("call 090-1234-5678");
        Assert.Equal("call 090-1234-5678", n.Text);
        Assert.Equal((5, 18), n.ToOriginal(5, 18));
    }

    [Fact]
    public void ALoneSurrogateDoesNotBreakNormalization()
    {
        var text = "a\uD800b ０１";
        Assert.Equal("a\uD800b 01", NormalizedText.Create(text).Text);
    }
}
