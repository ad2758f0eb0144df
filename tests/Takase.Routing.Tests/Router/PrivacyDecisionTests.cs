using Takase.Routing.Decisions;
using Takase.Routing.Learned;
using Takase.Routing.Privacy;
using Takase.Routing.Profiles;
using static Takase.Routing.Tests.Router.RouterTestSetup;

namespace Takase.Routing.Tests.Router;

/// <summary>
/// A profile's privacy policy in the router's decision: local-only data excludes non-local targets with a reason that
/// names the entity types, blocked data refuses the request, and neither the reason, the score's contributions nor the
/// decision's privacy part holds a protected value.
/// </summary>
public class PrivacyDecisionTests
{
    private const string Card = "4532 0151 1283 0366";
    private const string Email = "jane.doe@example.com";

    /// <summary>The external target first, so only the privacy policy can send a request to the local one.</summary>
    private static RouterProfile Profile(RoutingStrategy strategy = RoutingStrategy.Rules) => new()
    {
        Name = "auto",
        Candidates = strategy == RoutingStrategy.Rules ? ["gpt", "qwen"] : ["qwen", "gpt"],
        Strategy = strategy,
        Threshold = strategy == RoutingStrategy.Rules ? null : 0.5,
        Privacy = new()
        {
            Entities = new(StringComparer.OrdinalIgnoreCase)
            {
                ["EMAIL"] = PiiAction.Redact,
                ["CREDIT_CARD"] = PiiAction.LocalOnly,
                ["MY_NUMBER"] = PiiAction.LocalOnly,
                ["PHONE"] = PiiAction.Redact,
                ["POSTAL_CODE"] = PiiAction.Redact,
                ["IBAN"] = PiiAction.Block,
                ["URL_CREDENTIALS"] = PiiAction.Block,
            },
        },
    };

    [Fact]
    public void WithoutPersonalDataTheProfileRoutesAsUsual()
    {
        var decision = RouterFor(Profile()).Decide(Ask("What is the capital of France?"));

        Assert.Equal("gpt", decision.Chosen);
        Assert.NotNull(decision.Privacy);
        Assert.Empty(decision.Privacy.Entities);
    }

    [Fact]
    public void LocalOnlyDataExcludesNonLocalTargetsNamingTheType()
    {
        var decision = RouterFor(Profile()).Decide(Ask($"Please charge my card {Card} for the order."));

        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal(["qwen"], decision.Order);
        var gpt = decision.Candidates.Single(c => c.Target == "gpt");
        Assert.False(gpt.Eligible);
        Assert.Equal("the prompt contains CREDIT_CARD (local-only)", gpt.ExcludedBecause);
        Assert.Contains("gpt excluded: the prompt contains CREDIT_CARD (local-only)", decision.Reason);
        Assert.Equal([new PiiFinding(PiiEntityType.CreditCard, 1, PiiAction.LocalOnly)], decision.Privacy!.Entities);
        Assert.DoesNotContain("0366", decision.Reason);
    }

    [Fact]
    public void BlockedDataRefusesTheRequestNamingTypesOnly()
    {
        var secret = "https://admin:hunter2@db.example.com/x";
        var e = Assert.Throws<PiiBlockedException>(() =>
            RouterFor(Profile()).Decide(Ask($"Pay to GB82 WEST 1234 5698 7654 32 and log in at {secret}")));

        Assert.Equal([PiiEntityType.Iban, PiiEntityType.UrlCredentials], e.Types);
        Assert.Contains("IBAN", e.Message);
        Assert.Contains("URL_CREDENTIALS", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.DoesNotContain("5698", e.Message);
    }

    [Fact]
    public void TheLearnedModelScoresTheScreenedTextSoItsContributionsHoldNoProtectedValue()
    {
        var model = new EchoModel();
        var decision = RouterFor(Profile(RoutingStrategy.NGram), model).Decide(Ask($"Mail {Email} about card {Card}, twice: {Email}"));

        Assert.Equal("Mail <EMAIL_1> about card <CREDIT_CARD>, twice: <EMAIL_1>", model.Scored);
        var text = Assert.Single(decision.Contributions).Text!;
        Assert.DoesNotContain(Email, text);
        Assert.DoesNotContain(Card, text);
        Assert.Equal("qwen", decision.Chosen); // the card keeps it local whatever the score says
        Assert.Equal(
            [new PiiFinding(PiiEntityType.Email, 2, PiiAction.Redact), new PiiFinding(PiiEntityType.CreditCard, 1, PiiAction.LocalOnly)],
            decision.Privacy!.Entities);
    }

    [Fact]
    public void FindingsTheCallerScreenedAreTrusted()
    {
        // The server screens before deciding and passes the findings with the screened text; the router does not
        // screen again, and applies what it was told even for a profile without a policy of its own.
        var profile = Profile() with { Privacy = null };
        var findings = new PrivacyFindings { Entities = [new(PiiEntityType.Person, 1, PiiAction.LocalOnly)] };
        var decision = RouterFor(profile).Decide(Ask("Write to <PERSON> about the delay.") with { Privacy = findings });

        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal("the prompt contains PERSON (local-only)", decision.Candidates.Single(c => c.Target == "gpt").ExcludedBecause);
        Assert.Same(findings, decision.Privacy);
    }

    [Fact]
    public void JapanesePersonalDataIsFoundAndRouted()
    {
        var model = new EchoModel();
        var prompt = "〒100-0001 の住所に送ってください。電話 090-1234-5678、マイナンバーは6214 9832 0257です。";
        var decision = RouterFor(Profile(RoutingStrategy.NGram), model).Decide(Ask(prompt));

        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal("the prompt contains MY_NUMBER (local-only)", decision.Candidates.Single(c => c.Target == "gpt").ExcludedBecause);
        Assert.Equal(
        [
            new PiiFinding(PiiEntityType.Phone, 1, PiiAction.Redact), new PiiFinding(PiiEntityType.MyNumber, 1, PiiAction.LocalOnly),
            new PiiFinding(PiiEntityType.PostalCode, 1, PiiAction.Redact),
        ], decision.Privacy!.Entities);
        Assert.Equal("〒<POSTAL_CODE_1> の住所に送ってください。電話 <PHONE_1>、マイナンバーは<MY_NUMBER>です。", model.Scored);
    }

    /// <summary>A learned model whose one contribution is the whole text it scored, as an n-gram model quotes substrings.</summary>
    private sealed class EchoModel : IRoutingModel
    {
        public string? Scored { get; private set; }
        public string Kind => "ngram";

        public RoutingScore Score(string prompt)
        {
            Scored = prompt;
            return new RoutingScore(0.9, [new Contribution("ngram:" + prompt, 0.5, prompt, 0, prompt.Length)]);
        }

        public double ThresholdForStrongShare(double share) => 0.5;
    }
}
