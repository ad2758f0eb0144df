using Takase.Routing.Configuration;
using Takase.Routing.Decisions;
using Takase.Routing.Learned;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Router;

/// <summary>Targets from cheapest to strongest, and helpers to build profiles and requests over them.</summary>
internal static class RouterTestSetup
{
    public static readonly TargetDefinition Tiny = new()
    {
        Name = "tiny",
        Kind = TargetKind.Local,
        Model = "qwen2.5:0.5b",
        ContextLength = 2048,
        Languages = ["en"],
    };

    public static readonly TargetDefinition Qwen = new()
    {
        Name = "qwen",
        Kind = TargetKind.Local,
        Model = "qwen2.5:7b",
        ContextLength = 32768,
        Languages = ["en", "ja", "zh"],
        Capabilities = TargetCapabilities.Tools | TargetCapabilities.Json,
    };

    public static readonly TargetDefinition Azure = new()
    {
        Name = "azure",
        Kind = TargetKind.Remote,
        Model = "gpt-4o-mini",
        Endpoint = new Uri("https://example.openai.azure.com/v1"),
        Privacy = PrivacyClass.Trusted,
        InputCostPerMillion = 0.15,
        OutputCostPerMillion = 0.6,
        ContextLength = 128_000,
        Capabilities = TargetCapabilities.Tools | TargetCapabilities.Json,
    };

    public static readonly TargetDefinition Gpt = new()
    {
        Name = "gpt",
        Kind = TargetKind.Remote,
        Model = "gpt-4o",
        Endpoint = new Uri("https://api.openai.com/v1"),
        Privacy = PrivacyClass.External,
        InputCostPerMillion = 2.5,
        OutputCostPerMillion = 10,
        ContextLength = 128_000,
        Capabilities = TargetCapabilities.Tools | TargetCapabilities.Json | TargetCapabilities.Vision,
    };

    public static RouterSetup Setup(params RouterProfile[] profiles)
    {
        var options = new RouterOptions();
        foreach (var t in new[] { Tiny, Qwen, Azure, Gpt }) options.Targets[t.Name] = t;
        foreach (var p in profiles) options.Profiles[p.Name] = p;
        return RouterSetup.Create(options);
    }

    public static Takase.Routing.Router RouterFor(RouterProfile profile, IRoutingModel? model = null) =>
        new(Setup(profile), _ => model);

    public static RouteRequest Ask(string text, string profile = "auto") =>
        new() { Profile = profile, Messages = [new("user", text)] };
}

/// <summary>A test double of a trained model: a fixed score and contributions, and a fixed calibrated threshold.</summary>
internal sealed class FixedScoreModel(double score, double calibratedThreshold = 0.5, params Contribution[] contributions) : IRoutingModel
{
    public string Kind => "ngram";
    public double? AskedShare { get; private set; }
    public RoutingScore Score(string prompt) => new(score, contributions);

    public double ThresholdForStrongShare(double share)
    {
        AskedShare = share;
        return calibratedThreshold;
    }
}
