using System.Text.Json;
using System.Text.Json.Serialization;
using Takase.Server.Persistence;

namespace Takase.Server.Feedback;

/// <summary>
/// The body of POST /api/feedback: one of a rating ("up", "down", or 1–5), an edit (original → corrected answer) or a
/// preference (the chosen target's answer over the rejected one's, for a prompt), about a routed answer.
/// </summary>
public sealed record FeedbackRequest
{
    /// <summary>The routing decision of the answer (the x-takase-route-id header).</summary>
    [JsonPropertyName("route_id")] public string? RouteId { get; init; }
    /// <summary>The target that answered.</summary>
    [JsonPropertyName("target")] public string? Target { get; init; }
    /// <summary>The model or profile asked for; stands in for the target when that is not given.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>"up", "down", or a whole number 1–5.</summary>
    [JsonPropertyName("rating")] public JsonElement? Rating { get; init; }
    /// <summary>An operator's correction of the answer.</summary>
    [JsonPropertyName("edit")] public FeedbackEdit? Edit { get; init; }
    /// <summary>Which of two targets answered better.</summary>
    [JsonPropertyName("preference")] public FeedbackPreference? Preference { get; init; }
    /// <summary>The prompt answered, when the client wants it kept with a rating.</summary>
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    /// <summary>The answer rated.</summary>
    [JsonPropertyName("answer")] public string? Answer { get; init; }
    /// <summary>Free text.</summary>
    [JsonPropertyName("comment")] public string? Comment { get; init; }

    /// <summary>Longest text field accepted, in characters.</summary>
    public const int MaxText = 200_000;
    /// <summary>Longest name field (route id, target, model) accepted.</summary>
    public const int MaxName = 200;

    /// <summary>The feedback event this request describes, given by <paramref name="author"/>.</summary>
    /// <exception cref="ArgumentException">a field is missing or invalid; the message starts with the field's name.</exception>
    public FeedbackEvent ToEvent(string? author)
    {
        var given = (Rating is { ValueKind: not JsonValueKind.Null } ? 1 : 0) + (Edit is null ? 0 : 1) + (Preference is null ? 0 : 1);
        if (given != 1)
            throw new ArgumentException(given == 0
                ? "rating: feedback needs one of rating (\"up\", \"down\" or 1-5), edit {original, corrected} or preference {chosen, rejected, prompt}"
                : "rating: give one of rating, edit or preference per request, not several");
        Name("route_id", RouteId);
        Name("target", Target);
        Name("model", Model);
        Text("prompt", Prompt);
        Text("answer", Answer);
        Text("comment", Comment);
        var common = new FeedbackEvent
        {
            Kind = FeedbackKind.Rating,
            Author = author,
            RouteId = Blank(RouteId),
            Target = Blank(Target) ?? Blank(Model),
            Prompt = Prompt,
            Answer = Answer,
            Comment = Blank(Comment),
        };
        if (Edit is { } edit)
        {
            Text("edit.original", edit.Original);
            if (string.IsNullOrEmpty(edit.Corrected)) throw new ArgumentException("edit.corrected: an edit needs the corrected answer");
            Text("edit.corrected", edit.Corrected);
            return common with { Kind = FeedbackKind.Edit, Answer = edit.Original ?? Answer, EditedText = edit.Corrected };
        }
        if (Preference is { } preference)
        {
            if (string.IsNullOrWhiteSpace(preference.Chosen)) throw new ArgumentException("preference.chosen: name the target whose answer was preferred");
            if (string.IsNullOrWhiteSpace(preference.Rejected)) throw new ArgumentException("preference.rejected: name the target whose answer lost");
            Name("preference.chosen", preference.Chosen);
            Name("preference.rejected", preference.Rejected);
            Text("preference.prompt", preference.Prompt);
            if (preference.Chosen.Trim() == preference.Rejected.Trim())
                throw new ArgumentException($"preference.rejected: a preference compares two different targets, not '{preference.Chosen}' with itself");
            return common with
            {
                Kind = FeedbackKind.Preference,
                Target = preference.Chosen.Trim(),
                OtherTarget = preference.Rejected.Trim(),
                Prompt = preference.Prompt ?? Prompt,
            };
        }
        return Rating!.Value switch
        {
            { ValueKind: JsonValueKind.String } s when s.GetString() is "up" or "down" => common with { Thumb = s.GetString() == "up" ? 1 : -1 },
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var score) && score is >= 1 and <= 5 => common with { Score = score },
            var other => throw new ArgumentException($"rating: must be \"up\", \"down\" or a whole number from 1 to 5, not {other.GetRawText()}"),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void Name(string field, string? value)
    {
        if (value is { Length: > MaxName }) throw new ArgumentException($"{field}: at most {MaxName} characters, not {value.Length}");
    }

    private static void Text(string field, string? value)
    {
        if (value is { Length: > MaxText }) throw new ArgumentException($"{field}: at most {MaxText} characters, not {value.Length}");
    }
}

/// <summary>An operator's correction: the answer as it was and as it should have been.</summary>
public sealed record FeedbackEdit(
    [property: JsonPropertyName("original")] string? Original,
    [property: JsonPropertyName("corrected")] string? Corrected);

/// <summary>Side by side, the chosen target's answer was better than the rejected target's for the prompt.</summary>
public sealed record FeedbackPreference(
    [property: JsonPropertyName("chosen")] string? Chosen,
    [property: JsonPropertyName("rejected")] string? Rejected,
    [property: JsonPropertyName("prompt")] string? Prompt);
