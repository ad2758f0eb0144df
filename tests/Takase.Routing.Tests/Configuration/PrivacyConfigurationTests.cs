using Takase.Routing.Configuration;
using Takase.Routing.Privacy;

namespace Takase.Routing.Tests.Configuration;

/// <summary>A profile's Privacy section as appsettings.json and TAKASE__ variables write it, and its errors by key.</summary>
public class PrivacyConfigurationTests
{
    private const string Targets = """
        "Targets": {
          "qwen": { "Kind": "Local", "Model": "qwen2.5:7b" },
          "gpt": { "Kind": "Remote", "Model": "gpt-4o", "Endpoint": "https://api.openai.com/v1", "Privacy": "External" }
        }
        """;

    private static string Config(string privacy, string candidates = "\"qwen\", \"gpt\"") => $$"""
        { "Takase": { "Router": {
            {{Targets}},
            "Profiles": { "auto": { "Candidates": [ {{candidates}} ], "Privacy": {{privacy}} } }
        } } }
        """;

    private static IReadOnlyList<string> Problems(string json) =>
        Assert.Throws<RouterConfigurationException>(() => RouterConfiguration.Load(JsonConfiguration.FromJson(json))).Problems;

    [Fact]
    public void BindsThePolicyAsAppsettingsWritesIt()
    {
        var setup = RouterConfiguration.Load(JsonConfiguration.FromJson(Config("""
            { "Default": "Allow", "Language": "ja", "RedactLocal": true,
              "Entities": { "EMAIL": "Redact", "MY_NUMBER": "Block", "CREDIT_CARD": "LocalOnly", "person": "redact", "PHONE": "local-only",
                            "PostalCode": "Mask" } }
            """)));

        var policy = setup.PrivacyOf("auto");
        Assert.NotNull(policy);
        Assert.Equal(PiiAction.Allow, policy.DefaultAction);
        Assert.Equal(PiiLanguage.Japanese, policy.Language);
        Assert.True(policy.RedactLocal);
        Assert.Equal(PiiAction.Redact, policy.ActionFor(PiiEntityType.Email));
        Assert.Equal(PiiAction.Block, policy.ActionFor(PiiEntityType.MyNumber));
        Assert.Equal(PiiAction.LocalOnly, policy.ActionFor(PiiEntityType.CreditCard));
        Assert.Equal(PiiAction.Redact, policy.ActionFor(PiiEntityType.Person));
        Assert.Equal(PiiAction.LocalOnly, policy.ActionFor(PiiEntityType.Phone));
        Assert.Equal(PiiAction.Mask, policy.ActionFor(PiiEntityType.PostalCode));
        Assert.Equal(PiiAction.Allow, policy.ActionFor(PiiEntityType.Iban)); // not listed: the default
        Assert.Same(policy, setup.PrivacyOf("AUTO:latest")); // as clients spell the model
    }

    [Fact]
    public void BindsThePolicyFromEnvironmentStyleKeys()
    {
        var setup = RouterConfiguration.Load(JsonConfiguration.FromPairs(
            ("Takase:Router:Targets:qwen:Kind", "Local"),
            ("Takase:Router:Profiles:auto:Candidates:0", "qwen"),
            ("Takase:Router:Profiles:auto:Privacy:Default", "Redact"),
            ("Takase:Router:Profiles:auto:Privacy:Entities:IP_ADDRESS", "Allow")));

        var policy = setup.PrivacyOf("auto")!;
        Assert.Equal(PiiAction.Redact, policy.ActionFor(PiiEntityType.Email));
        Assert.Equal(PiiAction.Allow, policy.ActionFor(PiiEntityType.IpAddress));
        Assert.Equal(PiiLanguage.Auto, policy.Language);
        Assert.False(policy.RedactLocal);
    }

    [Fact]
    public void AProfileWithoutAPrivacySectionHasNoPolicy()
    {
        var setup = RouterConfiguration.Load(JsonConfiguration.FromJson($$"""
            { "Takase": { "Router": { {{Targets}}, "Profiles": { "auto": { "Candidates": [ "qwen", "gpt" ] } } } } }
            """));
        Assert.Null(setup.PrivacyOf("auto"));
        Assert.Null(setup.Profiles["auto"].Privacy);
    }

    [Fact]
    public void AnUnknownEntityIsNamedByItsKey()
    {
        var problem = Assert.Single(Problems(Config("""{ "Entities": { "EMAIL": "Redact", "SSN": "Block" } }""")));
        Assert.StartsWith("Takase:Router:Profiles:auto:Privacy:Entities:SSN:", problem);
        Assert.Contains("MY_NUMBER", problem); // the accepted names are listed
    }

    [Fact]
    public void AnUnknownActionIsNamedByItsKey()
    {
        var problem = Assert.Single(Problems(Config("""{ "Entities": { "EMAIL": "Hide" } }""")));
        Assert.StartsWith("Takase:Router:Profiles:auto:Privacy:Entities:EMAIL is 'Hide'", problem);
        Assert.Contains("LocalOnly", problem);
    }

    [Fact]
    public void AnUnknownDefaultOrLanguageIsNamedByItsKey()
    {
        var problems = Problems(Config("""{ "Default": "Encrypt", "Language": "fr" }"""));
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:auto:Privacy:Default is 'Encrypt'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:auto:Privacy:Language:", StringComparison.Ordinal) && p.Contains("'fr'"));
    }

    [Fact]
    public void LocalOnlyDataNeedsALocalCandidate()
    {
        var problem = Assert.Single(Problems(Config("""{ "Entities": { "CREDIT_CARD": "LocalOnly" } }""", candidates: "\"gpt\"")));
        Assert.StartsWith("Takase:Router:Profiles:auto:Privacy:", problem);
        Assert.Contains("CREDIT_CARD", problem);
        Assert.Contains("no candidate", problem);
    }

    [Fact]
    public void OneTypeListedTwiceWithDifferentActionsIsRefused()
    {
        // Configuration keys cannot repeat, but an admin API body can spell one type two ways.
        var options = new RouterOptions();
        options.Targets["qwen"] = new() { Name = "qwen" };
        options.Profiles["auto"] = new()
        {
            Name = "auto",
            Candidates = ["qwen"],
            Privacy = new() { Entities = new(StringComparer.Ordinal) { ["EMAIL"] = PiiAction.Redact, ["Email"] = PiiAction.Allow } },
        };
        var problem = Assert.Single(Assert.Throws<RouterConfigurationException>(() => RouterSetup.Create(options)).Problems);
        Assert.Contains("EMAIL is listed twice", problem);
    }
}
