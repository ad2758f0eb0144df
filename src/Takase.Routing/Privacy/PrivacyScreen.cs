using System.Text;
using System.Text.Json.Nodes;
using Takase.Routing.Privacy.Redaction;

namespace Takase.Routing.Privacy;

/// <summary>
/// Applies a profile's <see cref="PiiPolicy"/> to every text of one routed request (message contents, tool-call
/// arguments) with one <see cref="PiiPlaceholderMap"/>, so a value keeps its placeholder across messages, and collects
/// the <see cref="Findings"/>. Each text comes back in two forms: what remote targets get, and what the router scores
/// and explains with, where local-only values are hidden too. Blocked values are masked in both and reported by
/// <see cref="ThrowIfBlocked"/>, which the caller runs once every text is screened, so the refusal names every
/// blocked type of the request. One per request; not thread-safe.
/// </summary>
public sealed class PrivacyScreen
{
    private readonly PiiAnalyzer _analyzer;
    private readonly Dictionary<PiiEntityType, int> _counts = [];

    /// <summary>A screen for one request (a new placeholder map unless the conversation has one).</summary>
    public PrivacyScreen(PiiAnalyzer analyzer, PiiPolicy policy, PiiPlaceholderMap? map = null)
    {
        _analyzer = analyzer;
        Policy = policy;
        Map = map ?? new PiiPlaceholderMap();
        Restorer = new PiiRestorer(Map);
    }

    /// <summary>The policy applied.</summary>
    public PiiPolicy Policy { get; }

    /// <summary>The placeholders given out; it holds originals, so it never leaves this request.</summary>
    public PiiPlaceholderMap Map { get; }

    /// <summary>Puts the originals back into an answer written with the placeholders.</summary>
    public PiiRestorer Restorer { get; }

    /// <summary>What was found so far: types, counts and actions.</summary>
    public PrivacyFindings Findings => new()
    {
        Entities = [.. _counts.OrderBy(c => c.Key).Select(c => new PiiFinding(c.Key, c.Value, Policy.ActionFor(c.Key)))],
        RedactLocal = Policy.RedactLocal,
    };

    /// <summary>The entity types found whose action is Block.</summary>
    public IReadOnlyList<PiiEntityType> BlockedTypes =>
        [.. _counts.Keys.Where(t => Policy.ActionFor(t) == PiiAction.Block).Order()];

    /// <summary>Screens one text of the request and counts what it holds.</summary>
    public ScreenedText Screen(string text) => Apply(text, record: true);

    /// <summary>
    /// Screens another copy of a text already counted (a local target's own rendering of the messages, an answer on
    /// its way to a remote verifier): the same placeholders, nothing added to <see cref="Findings"/>.
    /// </summary>
    public ScreenedText Rescreen(string text) => Apply(text, record: false);

    /// <summary>
    /// Tool-call arguments as remote targets get them: a copy of <paramref name="arguments"/> with every string value
    /// screened (names stay), counted like message text.
    /// </summary>
    public JsonNode? ScreenJson(JsonNode? arguments, bool record = true) => arguments switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, ScreenJson(p.Value, record)))),
        JsonArray a => new JsonArray([.. a.Select(v => ScreenJson(v, record))]),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Apply(s, record).ForRemote),
        _ => arguments.DeepClone(),
    };

    /// <summary>Refuses the request when it holds an entity the policy blocks; the message names the types only.</summary>
    /// <exception cref="PiiBlockedException">a blocked type was found.</exception>
    public void ThrowIfBlocked()
    {
        if (BlockedTypes is { Count: > 0 } blocked) throw new PiiBlockedException(blocked);
    }

    private ScreenedText Apply(string text, bool record)
    {
        if (text.Length == 0) return new ScreenedText("", "");
        var spans = _analyzer.Analyze(text, Policy.Language);
        if (spans.Count == 0) return new ScreenedText(text, text);
        var remote = new StringBuilder(text.Length);
        var routed = new StringBuilder(text.Length);
        var at = 0;
        foreach (var span in spans)
        {
            var before = text.AsSpan(at, span.Start - at);
            remote.Append(before);
            routed.Append(before);
            var value = span.TextIn(text);
            switch (Policy.ActionFor(span.Type))
            {
                case PiiAction.Redact:
                    var placeholder = Map.PlaceholderFor(span.Type, value);
                    remote.Append(placeholder);
                    routed.Append(placeholder);
                    break;
                case PiiAction.Mask or PiiAction.Block:
                    var masked = PiiRedactor.Mask(value);
                    remote.Append(masked);
                    routed.Append(masked);
                    break;
                case PiiAction.LocalOnly:
                    remote.Append(value);
                    routed.Append('<').Append(span.Type.WireName()).Append('>');
                    break;
                default:
                    remote.Append(value);
                    routed.Append(value);
                    break;
            }
            if (record) _counts[span.Type] = _counts.GetValueOrDefault(span.Type) + 1;
            at = span.End;
        }
        remote.Append(text.AsSpan(at));
        routed.Append(text.AsSpan(at));
        return new ScreenedText(remote.ToString(), routed.ToString());
    }
}

/// <summary>
/// One screened text. <see cref="ForRemote"/> keeps local-only values (only local-class targets may receive it then);
/// <see cref="ForRouter"/> hides them as &lt;TYPE&gt;, so scores and explanations built from it hold no value that
/// the policy protects. <see cref="ToString"/> shows neither.
/// </summary>
/// <param name="ForRemote">Redacted entities as placeholders, masked ones masked, local-only and allowed ones as they are.</param>
/// <param name="ForRouter">As <paramref name="ForRemote"/>, with local-only values replaced by their type.</param>
public sealed record ScreenedText(string ForRemote, string ForRouter)
{
    /// <inheritdoc />
    public override string ToString() => $"ScreenedText({ForRemote.Length} chars)";
}
