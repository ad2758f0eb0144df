using System.Text.Json.Nodes;
using Takase.Routing.Privacy;

namespace Takase.Routing.Tests.Router;

/// <summary>The privacy screen of one routed request: its two forms of a text, tool-call arguments, counting and blocking.</summary>
public class PrivacyScreenTests
{
    private static readonly PiiPolicy Policy = new()
    {
        DefaultAction = PiiAction.Allow,
        Actions = new Dictionary<PiiEntityType, PiiAction>
        {
            [PiiEntityType.Email] = PiiAction.Redact,
            [PiiEntityType.Phone] = PiiAction.Mask,
            [PiiEntityType.CreditCard] = PiiAction.LocalOnly,
            [PiiEntityType.MyNumber] = PiiAction.Block,
        },
    };

    private static PrivacyScreen NewScreen() => new(PiiAnalyzer.Default, Policy);

    [Fact]
    public void RemoteTextKeepsLocalOnlyValuesAndTheRouterTextHidesThem()
    {
        var screen = NewScreen();
        var text = screen.Screen("Mail jane@example.com or call 090-1234-5678; card 4532 0151 1283 0366; server 203.0.113.45");

        Assert.Equal("Mail <EMAIL_1> or call ***-****-****; card 4532 0151 1283 0366; server 203.0.113.45", text.ForRemote);
        Assert.Equal("Mail <EMAIL_1> or call ***-****-****; card <CREDIT_CARD>; server 203.0.113.45", text.ForRouter);
        Assert.DoesNotContain("jane", text.ToString());
        Assert.Equal("jane@example.com", screen.Restorer.Restore("<EMAIL_1>"));
    }

    [Fact]
    public void ToolCallArgumentsAreScreenedValueByValueAndCounted()
    {
        var screen = NewScreen();
        screen.Screen("Write to jane@example.com");
        var arguments = JsonNode.Parse("""{"to": "jane@example.com", "cc": ["bob@example.org"], "retries": 3, "urgent": true}""");

        var screened = screen.ScreenJson(arguments)!;

        Assert.Equal("<EMAIL_1>", screened["to"]!.GetValue<string>()); // the same value keeps its placeholder
        Assert.Equal("<EMAIL_2>", screened["cc"]![0]!.GetValue<string>());
        Assert.Equal(3, screened["retries"]!.GetValue<int>());
        Assert.True(screened["urgent"]!.GetValue<bool>());
        Assert.Equal("jane@example.com", arguments!["to"]!.GetValue<string>()); // the caller's copy is untouched
        Assert.Equal([new PiiFinding(PiiEntityType.Email, 3, PiiAction.Redact)], screen.Findings.Entities);
    }

    [Fact]
    public void RescreeningUsesTheSamePlaceholdersWithoutCountingAgain()
    {
        var screen = NewScreen();
        screen.Screen("jane@example.com");
        Assert.Equal("Hi <EMAIL_1>", screen.Rescreen("Hi jane@example.com").ForRemote);
        Assert.Equal(1, Assert.Single(screen.Findings.Entities).Count);
    }

    [Fact]
    public void BlockedValuesAreMaskedAndRefusedOnceEveryTextIsScreened()
    {
        var screen = NewScreen();
        var first = screen.Screen("マイナンバーは6214 9832 0257です");
        screen.Screen("no personal data here");

        Assert.DoesNotContain("6214", first.ForRemote);
        Assert.DoesNotContain("6214", first.ForRouter);
        var e = Assert.Throws<PiiBlockedException>(screen.ThrowIfBlocked);
        Assert.Equal([PiiEntityType.MyNumber], e.Types);
        Assert.DoesNotContain("6214", e.Message);
    }
}
