using Takase.Routing.Privacy;
using Takase.Routing.Privacy.Redaction;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Privacy;

public class RedactionTests
{
    private static readonly PiiAnalyzer Analyzer = new();

    private const string Prompt = "山田太郎様のメールはtaro@example.jp、携帯は090-1234-5678です。山田太郎様に折り返してください。";

    [Fact]
    public void RedactsWithPlaceholdersAndRestoresTheAnswer()
    {
        var result = new PiiRedactor(Analyzer, new PiiPolicy()).Redact(Prompt);
        Assert.Equal("<PERSON_1>様のメールは<EMAIL_1>、携帯は<PHONE_1>です。<PERSON_1>様に折り返してください。", result.Text);
        Assert.False(result.RequiresLocal);
        var answer = "<PERSON_1>様、<EMAIL_1>と<PHONE_1>に連絡します。";
        Assert.Equal("山田太郎様、taro@example.jpと090-1234-5678に連絡します。", new PiiRestorer(result.Map).Restore(answer));
    }

    [Fact]
    public void TheSameValueKeepsItsPlaceholderAcrossTurns()
    {
        var redactor = new PiiRedactor(Analyzer, new PiiPolicy());
        var map = new PiiPlaceholderMap();
        var first = redactor.Redact("Mail sarah.j@example.com or bob@example.com", map);
        // Full-width spelling of the same address is the same value.
        var second = redactor.Redact("again: ｓａｒａｈ．ｊ＠ｅｘａｍｐｌｅ．ｃｏｍ, and carol@example.com", map);
        Assert.Equal("Mail <EMAIL_1> or <EMAIL_2>", first.Text);
        Assert.Equal("again: <EMAIL_1>, and <EMAIL_3>", second.Text);
        Assert.Equal(3, map.Count);
    }

    [Fact]
    public void UnknownPlaceholdersStayAsTheyAre()
    {
        var result = new PiiRedactor(Analyzer, new PiiPolicy()).Redact("mail a@example.com");
        Assert.Equal("a@example.com and <EMAIL_7> and <EMAIL_1", new PiiRestorer(result.Map).Restore("<EMAIL_1> and <EMAIL_7> and <EMAIL_1"));
    }

    [Fact]
    public void MaskKeepsSeparatorsAndDropsContent()
    {
        var policy = new PiiPolicy { DefaultAction = PiiAction.Allow, Actions = new Dictionary<PiiEntityType, PiiAction> { [PiiEntityType.CreditCard] = PiiAction.Mask, [PiiEntityType.Phone] = PiiAction.Mask } };
        var result = new PiiRedactor(Analyzer, policy).Redact("card 4532 0151 1283 0366, tel ０９０−１２３４−５６７８, mail a@example.com");
        Assert.Equal("card **** **** **** ****, tel ***−****−****, mail a@example.com", result.Text);
        Assert.Equal(0, result.Map.Count);
        Assert.Equal("**", PiiRedactor.Mask("山𠀋")); // one '*' per character, a surrogate pair included
    }

    [Fact]
    public void BlockNamesTypesButNeverValues()
    {
        var policy = new PiiPolicy { Actions = new Dictionary<PiiEntityType, PiiAction> { [PiiEntityType.MyNumber] = PiiAction.Block, [PiiEntityType.CreditCard] = PiiAction.Block } };
        const string text = "マイナンバーは6214 9832 0257、カードは4532 0151 1283 0366です";
        var e = Assert.Throws<PiiBlockedException>(() => new PiiRedactor(Analyzer, policy).Redact(text));
        Assert.Equal([PiiEntityType.MyNumber, PiiEntityType.CreditCard], e.Types);
        Assert.Contains("MY_NUMBER", e.Message);
        Assert.Contains("CREDIT_CARD", e.Message);
        foreach (var leak in new[] { "6214", "9832", "0257", "4532", "0366" })
        {
            Assert.DoesNotContain(leak, e.Message);
            Assert.DoesNotContain(leak, e.ToString());
        }
    }

    [Fact]
    public void LocalOnlyKeepsTheValueAndFlagsTheRequest()
    {
        var policy = new PiiPolicy { Actions = new Dictionary<PiiEntityType, PiiAction> { [PiiEntityType.Person] = PiiAction.LocalOnly } };
        var result = new PiiRedactor(Analyzer, policy).Redact("Hi, I am Sarah Johnson, mail sarah@example.com");
        Assert.Equal("Hi, I am Sarah Johnson, mail <EMAIL_1>", result.Text);
        Assert.True(result.RequiresLocal);
        Assert.Equal(PrivacyClass.Local, result.MaxPrivacy);
        Assert.Equal([PiiAction.LocalOnly, PiiAction.Redact], result.Entities.Select(e => e.Action).ToArray());

        var plain = new PiiRedactor(Analyzer, policy).Redact("no personal data here");
        Assert.False(plain.RequiresLocal);
        Assert.Equal(PrivacyClass.External, plain.MaxPrivacy);
    }

    [Fact]
    public void DescriptionsNeverShowOriginalValues()
    {
        var result = new PiiRedactor(Analyzer, new PiiPolicy()).Redact(Prompt);
        foreach (var description in new[] { result.ToString(), result.Map.ToString(), string.Join(" ", result.Entities.Select(e => e.ToString())) })
        {
            Assert.DoesNotContain("山田", description);
            Assert.DoesNotContain("taro@", description);
            Assert.DoesNotContain("1234", description);
        }
        Assert.Contains("PERSON", result.ToString());
    }
}
