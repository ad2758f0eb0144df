using System.Collections.Frozen;
using Takase.Routing.Privacy;
using Takase.Routing.Profiles;
using Takase.Routing.Rules;
using Takase.Routing.Targets;

namespace Takase.Routing.Configuration;

/// <summary>
/// A validated, immutable router configuration: targets and profiles by name (case-insensitive), each profile's
/// candidates resolved to configured targets and its rules' patterns compiled. Build one with
/// <see cref="RouterConfiguration.Load"/> (from configuration) or <see cref="Create"/> (from options built in code,
/// e.g. by the admin API); a change means a new setup, so a router never sees a half-applied edit.
/// </summary>
public sealed class RouterSetup
{
    private readonly FrozenDictionary<string, IReadOnlyList<CompiledRule>> _rules;
    private readonly FrozenDictionary<string, PiiPolicy> _privacy;

    private RouterSetup(
        FrozenDictionary<string, TargetDefinition> targets,
        FrozenDictionary<string, RouterProfile> profiles,
        FrozenDictionary<string, IReadOnlyList<CompiledRule>> rules,
        FrozenDictionary<string, PiiPolicy> privacy)
    {
        Targets = targets;
        Profiles = profiles;
        _rules = rules;
        _privacy = privacy;
    }

    /// <summary>The targets by name.</summary>
    public IReadOnlyDictionary<string, TargetDefinition> Targets { get; }

    /// <summary>The profiles by name (the model names clients use).</summary>
    public IReadOnlyDictionary<string, RouterProfile> Profiles { get; }

    /// <summary>Validates <paramref name="options"/> and freezes them.</summary>
    /// <exception cref="RouterConfigurationException">the options are invalid; lists every problem with its key.</exception>
    public static RouterSetup Create(RouterOptions options) => Validate(options, []);

    /// <summary>
    /// The privacy policy of the profile <paramref name="model"/> names (Ollama's ":latest" tag accepted), or null when
    /// the profile has none or there is no such profile.
    /// </summary>
    public PiiPolicy? PrivacyOf(string model) => _privacy.GetValueOrDefault(ProfileName(model));

    /// <summary>The profile name a model name stands for: Ollama clients add ":latest" to bare names ("auto:latest").</summary>
    internal static string ProfileName(string model) =>
        model.EndsWith(":latest", StringComparison.OrdinalIgnoreCase) ? model[..^":latest".Length] : model;

    /// <summary>A profile's rules, compiled, in order.</summary>
    internal IReadOnlyList<CompiledRule> RulesOf(string profile) => _rules[profile];

    /// <summary>
    /// Validates <paramref name="options"/>, adding to the <paramref name="problems"/> already found while binding;
    /// throws when there are any.
    /// </summary>
    internal static RouterSetup Validate(RouterOptions options, List<string> problems)
    {
        var validator = new RouterSetupValidator(options, problems);
        validator.RefreshInterval(options.RefreshInterval);
        var targets = options.Targets.ToFrozenDictionary(
            t => t.Key, t => validator.Target(t.Key, t.Value), StringComparer.OrdinalIgnoreCase);
        var profiles = new Dictionary<string, RouterProfile>(StringComparer.OrdinalIgnoreCase);
        var rules = new Dictionary<string, IReadOnlyList<CompiledRule>>(StringComparer.OrdinalIgnoreCase);
        var privacy = new Dictionary<string, PiiPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, profile) in options.Profiles)
        {
            var (checkedProfile, compiled, policy) = validator.Profile(name, profile);
            profiles[name] = checkedProfile;
            rules[name] = compiled;
            if (policy is not null) privacy[name] = policy;
        }
        if (problems.Count > 0) throw new RouterConfigurationException(problems);
        return new RouterSetup(
            targets,
            profiles.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            rules.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            privacy.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }
}
