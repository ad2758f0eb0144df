using Takase.Engine.Templates;
using Takase.Routing.Norms;
using Takase.Server.Inference;

namespace Takase.Server.Norms;

/// <summary>
/// A profile's input stage, decided once per request: the verdict of its input rules and the user texts as they go on
/// (rewritten), applied with the overlays to any call built from the same request — the one the client sent and, for
/// routed requests, the one rebuilt for a local target's model, whose own SYSTEM the overlays then extend.
/// </summary>
internal sealed class NormsInput
{
    private readonly NormsProfile _profile;
    private readonly IReadOnlyList<string> _texts;

    private NormsInput(NormsProfile profile, IReadOnlyList<string> texts, NormsVerdict verdict)
    {
        _profile = profile;
        _texts = texts;
        Verdict = verdict;
    }

    /// <summary>What the input rules decided.</summary>
    public NormsVerdict Verdict { get; }

    /// <summary>The profile.</summary>
    public NormsProfile Profile => _profile;

    /// <summary>The explanation's norms part after the input stage.</summary>
    public NormsApplied Applied => new NormsApplied(_profile.Name, _profile.Version).With(Verdict, "input");

    /// <summary>Runs the input rules over a chat's user messages (as <paramref name="view"/> shows them, when given).</summary>
    public static async Task<NormsInput> ScreenAsync(NormsProfile profile, ChatCall call, INormsClassifier? classifier, CancellationToken cancel,
        Func<string, string>? view = null)
    {
        var (texts, verdict) = await NormsEvaluation.EvaluateInputAsync(profile.Input,
            [.. call.Messages.Select(m => (m.Role, m.Content ?? ""))], classifier, cancel, view);
        return new NormsInput(profile, texts, verdict);
    }

    /// <summary>Runs the input rules over a completion's prompt (one user message).</summary>
    public static async Task<NormsInput> ScreenAsync(NormsProfile profile, CompletionCall call, INormsClassifier? classifier, CancellationToken cancel,
        Func<string, string>? view = null)
    {
        var (texts, verdict) = await NormsEvaluation.EvaluateInputAsync(profile.Input, [("user", call.Prompt)], classifier, cancel, view);
        return new NormsInput(profile, texts, verdict);
    }

    /// <summary>A chat or a completion with the norms applied (see the two overloads).</summary>
    public InferenceCall Apply(InferenceCall call, string? modelSystem) => call switch
    {
        ChatCall chat => Apply(chat, modelSystem),
        CompletionCall completion => Apply(completion, modelSystem),
        _ => throw new NotSupportedException($"norms do not apply to {call.GetType().Name}"),
    };

    /// <summary>
    /// <paramref name="call"/> with the rewritten user texts and the overlays on its system message — or, when it has
    /// none, on <paramref name="modelSystem"/> (the model's SYSTEM), as a system message of its own.
    /// </summary>
    public ChatCall Apply(ChatCall call, string? modelSystem)
    {
        var messages = call.Messages.Select((m, i) => m.Role == "user" && i < _texts.Count && m.Content is not null ? m with { Content = _texts[i] } : m).ToList();
        if (_profile.Overlays.Count == 0) return call with { Messages = messages };
        var at = messages.FindIndex(m => m.Role == "system");
        var system = NormsEvaluation.ApplyOverlays(at >= 0 ? messages[at].Content : modelSystem, _profile.Overlays) ?? "";
        if (at >= 0) messages[at] = messages[at] with { Content = system };
        else messages.Insert(0, new ChatMessage("system", system));
        return call with { Messages = messages };
    }

    /// <summary>
    /// <paramref name="call"/> with the rewritten prompt and the overlays on its system text (else on the model's
    /// SYSTEM). A raw prompt has no system text to overlay: it is only rewritten.
    /// </summary>
    public CompletionCall Apply(CompletionCall call, string? modelSystem) => call with
    {
        Prompt = _texts[0],
        System = call.Raw || _profile.Overlays.Count == 0
            ? call.System
            : NormsEvaluation.ApplyOverlays(string.IsNullOrEmpty(call.System) ? modelSystem : call.System, _profile.Overlays),
    };
}
