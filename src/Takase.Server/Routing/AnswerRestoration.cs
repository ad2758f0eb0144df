using System.Text.Json.Nodes;
using Takase.Routing.Privacy.Redaction;
using Takase.Server.Inference;

namespace Takase.Server.Routing;

/// <summary>
/// Puts the originals of redacted personal data back into an answer a target wrote with placeholders
/// (&lt;EMAIL_1&gt;): the text and the thinking piece by piece — a placeholder split between pieces is held back until
/// it completes — and the tool calls' arguments once the answer is whole. One per answer; not thread-safe.
/// </summary>
internal sealed class AnswerRestoration(PiiRestorer restorer)
{
    private readonly PiiStreamRestorer _content = restorer.Stream();
    private readonly PiiStreamRestorer _thinking = restorer.Stream();

    /// <summary>
    /// The piece with what is safe to send now restored, or null when all of its text is held back (and it carries no
    /// log-probabilities), so the client gets no empty piece.
    /// </summary>
    public InferenceChunk? Restore(InferenceChunk chunk)
    {
        var content = _content.Push(chunk.Content);
        var thinking = _thinking.Push(chunk.Thinking);
        var heldAll = content.Length == 0 && thinking.Length == 0 && (chunk.Content.Length > 0 || chunk.Thinking.Length > 0);
        return heldAll && chunk.Logprobs is null ? null : chunk with { Content = content, Thinking = thinking };
    }

    /// <summary>What is still held at the end of the answer (a '&lt;' that never became a placeholder), or null.</summary>
    public InferenceChunk? Flush()
    {
        var content = _content.Flush();
        var thinking = _thinking.Flush();
        return content.Length == 0 && thinking.Length == 0 ? null : new InferenceChunk { Content = content, Thinking = thinking };
    }

    /// <summary>The result with every string inside the tool calls' arguments restored.</summary>
    public InferenceResult Restore(InferenceResult result) => result.ToolCalls.Count == 0
        ? result
        : result with { ToolCalls = [.. result.ToolCalls.Select(c => c with { Arguments = (JsonObject)Restore(c.Arguments)! })] };

    /// <summary>A copy of <paramref name="node"/> whose string values have their originals back (names stay).</summary>
    private JsonNode? Restore(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Restore(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Restore)]),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(restorer.Restore(s)),
        _ => node.DeepClone(),
    };
}
