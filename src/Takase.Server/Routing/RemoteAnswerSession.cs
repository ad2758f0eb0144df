using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Generation;
using Takase.Routing.Execution;
using Takase.Routing.Remote;
using Takase.Server.Inference;

namespace Takase.Server.Routing;

/// <summary>
/// A remote target's answer as the endpoints read a local one: its text as <see cref="InferenceChunk"/>s, its ending
/// as an <see cref="InferenceResult"/> (finish reason, the provider's token counts, tool calls, timings measured here).
/// </summary>
internal sealed class RemoteAnswerSession : IAnswerSession
{
    private readonly string _target;
    private readonly IAsyncEnumerable<RemoteStreamEvent> _events;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private RemoteAnswerSession(string target, string model, IAsyncEnumerable<RemoteStreamEvent> events)
    {
        _target = target;
        ModelName = model;
        _events = events;
    }

    /// <summary>A streamed answer.</summary>
    public static RemoteAnswerSession Stream(string target, string model, IAsyncEnumerable<RemoteStreamEvent> events) => new(target, model, events);

    /// <summary>A whole answer, read as one piece.</summary>
    public static RemoteAnswerSession Whole(string target, string model, RemoteAnswer answer) => new(target, model, One(answer));

    private static async IAsyncEnumerable<RemoteStreamEvent> One(RemoteAnswer answer)
    {
        await Task.CompletedTask;
        if (answer.Content.Length > 0 || answer.Logprobs is { Count: > 0 }) yield return new RemoteStreamEvent(new RemoteDelta(answer.Content, answer.Logprobs), null);
        yield return new RemoteStreamEvent(null, answer);
    }

    /// <summary>The target's configured model (whatever id the provider reports, so streamed and whole answers agree).</summary>
    public string ModelName { get; }
    /// <inheritdoc />
    public int PromptTokens { get; private set; }
    /// <inheritdoc />
    public InferenceResult? Result { get; private set; }

    /// <inheritdoc />
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        TimeSpan? firstPiece = null;
        await foreach (var e in _events.WithCancellation(cancel))
        {
            if (e.Delta is { } d)
            {
                firstPiece ??= _clock.Elapsed;
                yield return new InferenceChunk { Content = d.Content, Logprobs = d.Logprobs is null ? null : [.. d.Logprobs.Select(Entry)] };
                continue;
            }
            var done = e.Done!;
            PromptTokens = done.PromptTokens;
            var total = _clock.Elapsed;
            Result = new InferenceResult
            {
                Reason = done.FinishReason == "length" ? DoneReason.Length : DoneReason.Stop,
                Stats = new GenerationStats
                {
                    PromptTokens = done.PromptTokens,
                    GeneratedTokens = done.CompletionTokens,
                    PromptDuration = firstPiece ?? total,
                    GenerationDuration = total - (firstPiece ?? total),
                    DoneReason = done.FinishReason == "length" ? DoneReason.Length : DoneReason.Stop,
                },
                TotalDuration = total,
                ToolCalls = [.. done.ToolCalls.Select((c, i) => new ToolCall(c.Id, c.Name, Arguments(c), i))],
            };
        }
    }

    private JsonObject Arguments(RemoteToolCall call)
    {
        try
        {
            return JsonNode.Parse(call.Arguments) as JsonObject
                ?? throw new JsonException("the arguments are not a JSON object");
        }
        catch (JsonException e)
        {
            throw new TargetFailedException(_target, HopOutcomes.Error,
                $"target '{_target}' called tool '{call.Name}' with arguments that are not a JSON object: {e.Message}", e);
        }
    }

    private static TokenLogprobEntry Entry(RemoteLogprob p) =>
        new(p.Token, p.Logprob, [.. p.Top.Select(t => new TokenLogprob(-1, t.Token, t.Logprob))]);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
