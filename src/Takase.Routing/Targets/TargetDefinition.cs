namespace Takase.Routing.Targets;

/// <summary>Where a target runs: a model of the local library, a remote OpenAI-compatible endpoint, or a person.</summary>
public enum TargetKind
{
    /// <summary>A model of the local library, run by this node's engine.</summary>
    Local,
    /// <summary>An OpenAI-compatible endpoint (OpenAI, Azure OpenAI, another Ollama/Takase/vLLM node).</summary>
    Remote,
    /// <summary>The human-operator queue.</summary>
    Human,
}

/// <summary>
/// Who may see a prompt sent to a target, most private first: a profile's privacy rules exclude every target whose
/// class is above what the request allows (sensitive content → <see cref="Local"/> only).
/// </summary>
public enum PrivacyClass
{
    /// <summary>Runs on this machine or this deployment's own nodes.</summary>
    Local,
    /// <summary>A provider under contract (e.g. a company's Azure OpenAI tenant).</summary>
    Trusted,
    /// <summary>A third-party service.</summary>
    External,
}

/// <summary>What a target can do beyond plain chat.</summary>
[Flags]
public enum TargetCapabilities
{
    /// <summary>Plain chat and completion only.</summary>
    None = 0,
    /// <summary>Function / tool calling.</summary>
    Tools = 1,
    /// <summary>JSON mode / structured output.</summary>
    Json = 2,
    /// <summary>Image inputs.</summary>
    Vision = 4,
}

/// <summary>
/// One place a request can be answered, with what the router needs to weigh it: cost, speed, context, languages,
/// capabilities and privacy. Configured under <c>Takase:Router:Targets:&lt;name&gt;</c> (appsettings.json or
/// <c>TAKASE__Router__Targets__&lt;name&gt;__…</c> variables) or through the admin API.
/// </summary>
public sealed record TargetDefinition
{
    /// <summary>The target's name, unique among targets (the configuration key).</summary>
    public required string Name { get; init; }
    /// <summary>Local model, remote endpoint or the human queue.</summary>
    public TargetKind Kind { get; init; } = TargetKind.Local;
    /// <summary>The model: a library model name for local targets, the provider's model id for remote ones.</summary>
    public string? Model { get; init; }
    /// <summary>Remote targets: the OpenAI-compatible base URL (…/v1).</summary>
    public Uri? Endpoint { get; init; }
    /// <summary>
    /// Remote targets: more endpoints serving the same model (other Takase nodes, Ollama, vLLM, llama.cpp servers).
    /// With replicas, each attempt goes to the least loaded healthy one of <see cref="Endpoint"/> and these, and a
    /// replica that fails before answering hands the attempt to the next (see <c>Replicas/README.md</c>).
    /// </summary>
    public IReadOnlyList<Uri> Replicas { get; init; } = [];
    /// <summary>Remote targets: the name of the environment variable holding the API key (keys never live in config files).</summary>
    public string? ApiKeyVariable { get; init; }
    /// <summary>Cost in USD per million input tokens (0 for local models unless you price your hardware).</summary>
    public double InputCostPerMillion { get; init; }
    /// <summary>Cost in USD per million output tokens.</summary>
    public double OutputCostPerMillion { get; init; }
    /// <summary>Typical time to the first token, for latency-aware choices and the explanation.</summary>
    public TimeSpan ExpectedLatency { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest prompt + answer the target accepts, in tokens.</summary>
    public int ContextLength { get; init; } = 4096;
    /// <summary>Languages it answers well (ISO 639-1, e.g. "en", "ja"); empty = any.</summary>
    public IReadOnlyList<string> Languages { get; init; } = [];
    /// <summary>Tools, JSON, vision.</summary>
    public TargetCapabilities Capabilities { get; init; }
    /// <summary>Who sees the prompt.</summary>
    public PrivacyClass Privacy { get; init; } = PrivacyClass.Local;
    /// <summary>
    /// How long one attempt may take before the router moves to the next candidate. For a human target it is the SLA:
    /// how long a client waits for an operator before <see cref="SlaFallback"/> answers.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>
    /// Human targets: the target that answers when no operator has within <see cref="Timeout"/> (the ticket stays open);
    /// null tries the decision's next candidate, if any.
    /// </summary>
    public string? SlaFallback { get; init; }
    /// <summary>Human targets: the target that writes an AI draft for the operator when a ticket opens; null for none.</summary>
    public string? DraftTarget { get; init; }

    /// <summary>Every endpoint of a remote target: <see cref="Endpoint"/> first, then <see cref="Replicas"/> (duplicates once).</summary>
    public IReadOnlyList<Uri> Endpoints() =>
        Endpoint is null ? [.. Replicas.Distinct()] : [.. new[] { Endpoint }.Concat(Replicas).Distinct()];

    /// <summary>Estimated cost in USD of a request of <paramref name="inputTokens"/> in and <paramref name="outputTokens"/> out.</summary>
    public double CostOf(int inputTokens, int outputTokens) =>
        (inputTokens * InputCostPerMillion + outputTokens * OutputCostPerMillion) / 1_000_000;
}
