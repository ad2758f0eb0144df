using Takase.Routing.Configuration;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Configuration;

public class RouterConfigurationTests
{
    private const string Valid = """
        {
          "Takase": { "Router": {
            "Targets": {
              "qwen-local": { "Kind": "Local", "Model": "qwen2.5:7b", "ContextLength": 32768, "Languages": [ "en", "ja", "zh" ],
                              "Capabilities": "Tools, Json", "ExpectedLatency": "00:00:00.300" },
              "gpt": { "Kind": "remote", "Model": "gpt-4o", "Endpoint": "https://api.openai.com/v1", "ApiKeyVariable": "OPENAI_API_KEY",
                       "InputCostPerMillion": 2.5, "OutputCostPerMillion": 10, "ContextLength": 128000,
                       "Capabilities": [ "Tools", "Json", "Vision" ], "Privacy": "External", "Timeout": "45s" }
            },
            "Profiles": {
              "auto": { "Candidates": [ "qwen-local", "GPT" ], "Strategy": "NGram", "StrongShare": 0.3, "ModelPath": "routers/auto.json",
                        "Rules": [
                          { "Name": "sensitive", "Keywords": [ "password", "マイナンバー" ], "Pattern": "\\b\\d{3}-\\d{4}\\b",
                            "Action": "LimitPrivacy", "MaxPrivacy": "Local" },
                          { "Name": "long", "MinTokens": 20000, "Action": "Require", "Target": "gpt" }
                        ] },
              "support-ja": { "Candidates": [ "qwen-local", "gpt" ], "Strategy": "Cascade", "Cascade": { "MinMeanLogprob": -0.8, "Verifier": "gpt" } }
            }
          } }
        }
        """;

    [Fact]
    public void BindsTargetsAndProfilesAsAppsettingsWritesThem()
    {
        var setup = RouterConfiguration.Load(JsonConfiguration.FromJson(Valid));

        var qwen = setup.Targets["qwen-local"];
        Assert.Equal("qwen-local", qwen.Name);
        Assert.Equal(["en", "ja", "zh"], qwen.Languages);
        Assert.Equal(TargetCapabilities.Tools | TargetCapabilities.Json, qwen.Capabilities);
        Assert.Equal(TimeSpan.FromMilliseconds(300), qwen.ExpectedLatency);
        Assert.Equal(32768, qwen.ContextLength);

        var gpt = setup.Targets["GPT"]; // names are case-insensitive
        Assert.Equal(TargetKind.Remote, gpt.Kind);
        Assert.Equal(new Uri("https://api.openai.com/v1"), gpt.Endpoint);
        Assert.Equal(2.5, gpt.InputCostPerMillion);
        Assert.Equal(TargetCapabilities.Tools | TargetCapabilities.Json | TargetCapabilities.Vision, gpt.Capabilities);
        Assert.Equal(PrivacyClass.External, gpt.Privacy);
        Assert.Equal(TimeSpan.FromSeconds(45), gpt.Timeout);

        var auto = setup.Profiles["auto"];
        Assert.Equal(["qwen-local", "gpt"], auto.Candidates); // spelled as the target is
        Assert.Equal(RoutingStrategy.NGram, auto.Strategy);
        Assert.Equal(0.3, auto.StrongShare);
        Assert.Equal(2, auto.Rules.Count);
        Assert.Equal(["password", "マイナンバー"], auto.Rules[0].Keywords!);
        Assert.Equal(PrivacyClass.Local, auto.Rules[0].MaxPrivacy);
        Assert.Equal(RuleAction.Require, auto.Rules[1].Action);
        Assert.Equal(20000, auto.Rules[1].MinTokens);

        var ja = setup.Profiles["support-ja"];
        Assert.Equal(-0.8, ja.Cascade!.MinMeanLogprob);
        Assert.Equal("gpt", ja.Cascade.Verifier);
    }

    [Fact]
    public void BindsEnvironmentVariableStyleValues()
    {
        // TAKASE__Router__Targets__local__Languages=en, ja  → one comma-separated value
        var config = JsonConfiguration.FromPairs(
            ("Takase:Router:Targets:local:Languages", "en, ja"),
            ("Takase:Router:Targets:local:Capabilities", "Tools|Json"),
            ("Takase:Router:Targets:local:Timeout", "2m"),
            ("Takase:Router:Profiles:auto:Candidates:0", "local"),
            ("Takase:Router:Profiles:auto:Thresholds", ""));

        var setup = RouterConfiguration.Load(config);

        Assert.Equal(["en", "ja"], setup.Targets["local"].Languages);
        Assert.Equal(TargetCapabilities.Tools | TargetCapabilities.Json, setup.Targets["local"].Capabilities);
        Assert.Equal(TimeSpan.FromMinutes(2), setup.Targets["local"].Timeout);
        Assert.Null(setup.Profiles["auto"].Thresholds);
    }

    [Fact]
    public void MissingSectionGivesAnEmptyRouter()
    {
        var setup = RouterConfiguration.Load(JsonConfiguration.FromJson("""{ "Logging": { "LogLevel": "Information" } }"""));
        Assert.Empty(setup.Targets);
        Assert.Empty(setup.Profiles);
    }

    [Fact]
    public void UnknownTargetInAProfileNamesTheKey()
    {
        var problems = Problems("""
            { "Takase": { "Router": {
              "Targets": { "local": {}, "cheap": {} },
              "Profiles": { "auto": { "Candidates": [ "local", "cheap", "gpt5" ] } } } } }
            """);
        Assert.Equal(["Takase:Router:Profiles:auto:Candidates:2 names 'gpt5' which is not a configured target (targets: cheap, local)."], problems);
    }

    [Fact]
    public void ReplicasAreCheckedWithTheirKeys()
    {
        var problems = Problems("""
            { "Takase": { "Router": {
              "Targets": {
                "pool": { "Kind": "Remote", "Model": "m", "Endpoint": "http://a:11434/v1",
                          "Replicas": [ "http://b:11434/v1", "ftp://c/v1", "http://a:11434/v1", "http://b:11434/v1" ] },
                "local": { "Model": "m", "Replicas": [ "http://d:11434/v1" ] }
              },
              "Profiles": { "auto": { "Candidates": [ "local", "pool" ] } } } } }
            """);

        Assert.Contains("Takase:Router:Targets:pool:Replicas:1 'ftp://c/v1' is not an absolute http(s) URL (e.g. http://node-b:11434/v1).", problems);
        Assert.Contains("Takase:Router:Targets:pool:Replicas:2 'http://a:11434/v1' is the target's own Endpoint, which is a replica already; remove it.", problems);
        Assert.Contains("Takase:Router:Targets:pool:Replicas:3 'http://b:11434/v1' is listed a second time; list each replica once.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Targets:local:Replicas is set on a Local target; only a remote target has replicas", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("Replicas:0", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryProblemIsListedWithItsKey()
    {
        var problems = Problems("""
            { "Takase": { "Router": {
              "Targets": {
                "gpt": { "Kind": "Remote", "Model": "gpt-4o", "InputCostPerMillion": -1, "Privacy": "public", "Timeout": "30" },
                "local": { "Contxt": 8192 }
              },
              "Profiles": {
                "empty": { "Candidates": [] },
                "three": { "Candidates": [ "local", "gpt" ], "Thresholds": [ 0.5, 0.2, 0.9 ] },
                "down": { "Candidates": [ "local", "gpt", "local2" ], "Thresholds": [ 0.6, 0.4 ], "Strategy": "Ngramm" },
                "gpt": { "Candidates": [ "gpt" ] },
                "rx": { "Candidates": [ "local" ], "Rules": [ { "Name": "bad", "Pattern": "(unclosed", "Action": "Prefer", "Target": "local" } ] },
                "priors": { "Candidates": [ "local" ], "Strategy": "Priors", "MinQuality": 70 },
                "priors-low": { "Candidates": [ "local" ], "Strategy": "Priors", "MinQuality": -0.1 }
              } } } }
            """);

        Assert.Contains("Takase:Router:Targets:gpt:Privacy is 'public', which is not one of Local, Trusted, External.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Targets:gpt:Timeout is '30', which is not a duration", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Targets:local:Contxt is not a setting of TargetDefinition (known: Name, Kind, Model,", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Targets:gpt:Endpoint is missing", StringComparison.Ordinal));
        Assert.Contains("Takase:Router:Targets:gpt:InputCostPerMillion is -1; costs cannot be negative (use 0 for free).", problems);
        Assert.Contains("Takase:Router:Profiles:empty:Candidates is empty; list the targets this profile may use, cheapest first.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:three:Thresholds has 3 values, but 2 candidates need 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:three:Thresholds:1 is 0.2, not above the one before it (0.5)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:down:Thresholds:1 is 0.4, not above", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:down:Candidates:2 names 'local2'", StringComparison.Ordinal));
        Assert.Contains("Takase:Router:Profiles:down:Strategy is 'Ngramm', which is not one of Rules, NGram, MatrixFactorization, Similarity, Cascade, Priors.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:gpt: the profile name 'gpt' is also a target", StringComparison.Ordinal));
        var regex = Assert.Single(problems, p => p.StartsWith("Takase:Router:Profiles:rx:Rules:0:Pattern '(unclosed' is not a valid regular expression: ", StringComparison.Ordinal));
        Assert.Contains("Not enough )'s", regex, StringComparison.Ordinal); // the regex engine's own words
        Assert.Contains("Takase:Router:Profiles:priors:MinQuality is 70; a prior quality (an accuracy) lies between 0 and 1.", problems);
        Assert.Contains("Takase:Router:Profiles:priors-low:MinQuality is -0.1; a prior quality (an accuracy) lies between 0 and 1.", problems);
    }

    [Fact]
    public void RuleAndKnobMistakesNameTheRule()
    {
        var problems = Problems("""
            { "Takase": { "Router": {
              "Targets": { "local": {}, "other": {} },
              "Profiles": { "auto": { "Candidates": [ "local" ], "Strategy": "NGram",
                "Rules": [
                  { "Name": "a", "Action": "Prefer" },
                  { "Name": "b", "Action": "Require", "Target": "other" },
                  { "Name": "c", "Action": "LimitPrivacy" },
                  { "Name": "d", "MinTokens": 50, "MaxTokens": 10, "Languages": [ "Japanese" ], "Action": "Cheapest" },
                  { "Action": "Strongest" }
                ] } } } } }
            """);
        Assert.Contains("Takase:Router:Profiles:auto: strategy NGram needs a cost–quality knob; set Threshold, Thresholds or StrongShare.", problems);
        Assert.Contains("Takase:Router:Profiles:auto:Rules:0:Target is missing; action Prefer needs the target to send the request to.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:auto:Rules:1:Target names 'other' which is not a candidate of this profile", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:auto:Rules:2:MaxPrivacy is missing", StringComparison.Ordinal));
        Assert.Contains("Takase:Router:Profiles:auto:Rules:3: MinTokens (50) is above MaxTokens (10); no prompt could match.", problems);
        Assert.Contains(problems, p => p.StartsWith("Takase:Router:Profiles:auto:Rules:3:Languages:0 is 'Japanese', which is not an ISO 639-1", StringComparison.Ordinal));
        Assert.Contains("Takase:Router:Profiles:auto:Rules:4:Name is missing; RoutingRule requires it.", problems);
    }

    [Fact]
    public void ExceptionMessageListsEveryProblem()
    {
        var e = Assert.Throws<RouterConfigurationException>(() => RouterConfiguration.Load(JsonConfiguration.FromJson("""
            { "Takase": { "Router": { "Profiles": { "auto": { "Candidates": [ "a", "b" ] } } } } }
            """)));
        Assert.Equal(2, e.Problems.Count);
        Assert.StartsWith("The router configuration (Takase:Router) has 2 problems:", e.Message, StringComparison.Ordinal);
        Assert.Contains("Candidates:0 names 'a'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Candidates:1 names 'b'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsBuiltInCodeAreValidatedAndFrozen()
    {
        var languages = new List<string> { "en" };
        var candidates = new List<string> { "local" };
        var options = new RouterOptions();
        options.Targets["local"] = new TargetDefinition { Name = "local", Languages = languages };
        options.Profiles["auto"] = new RouterProfile { Name = "auto", Candidates = candidates };

        var setup = RouterSetup.Create(options);
        languages.Add("ja");
        candidates.Add("gpt");
        options.Targets.Clear();

        Assert.Equal(["en"], setup.Targets["local"].Languages);
        Assert.Equal(["local"], setup.Profiles["auto"].Candidates);

        options.Targets["x"] = new TargetDefinition { Name = "y", ContextLength = 0 };
        var e = Assert.Throws<RouterConfigurationException>(() => RouterSetup.Create(options));
        Assert.Contains("Takase:Router:Targets:x: the target's Name is 'y' but its key is 'x'; they must be the same.", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Targets:x:ContextLength is 0", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Profiles:auto:Candidates:0 names 'local'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:30", 30_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void DurationsReadAsWritten(string text, double milliseconds)
    {
        Assert.True(SectionBinder.TryParseDuration(text, out var d));
        Assert.Equal(milliseconds, d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30 parsecs")]
    [InlineData("s")]
    public void DurationsWithoutUnitAreRefused(string text) => Assert.False(SectionBinder.TryParseDuration(text, out _));

    private static IReadOnlyList<string> Problems(string json) =>
        Assert.Throws<RouterConfigurationException>(() => RouterConfiguration.Load(JsonConfiguration.FromJson(json))).Problems;
}
