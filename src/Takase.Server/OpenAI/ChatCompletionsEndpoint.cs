using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Server.Inference;
using Takase.Server.Norms;
using Takase.Server.Routing;

namespace Takase.Server.OpenAI;

/// <summary>POST /v1/chat/completions: one "chat.completion" object, or a stream of "chat.completion.chunk" events.</summary>
internal static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, InferenceService inference, ILogger log)
    {
        var cancel = context.RequestAborted;
        var request = await OpenAiJson.ReadBodyAsync<CreateChatCompletionRequest>(context.Request, cancel);
        var plan = ChatCompletionMapping.ToPlan(request, OpenAiOptions.ModelParameters(context.RequestServices, request.Model));
        var routed = await RoutedAsync(context, request, plan);
        if (routed is null && context.Response.HasStarted) return; // a person answers later: 202 with the ticket to poll
        await using var choices = await ChoiceStreams.StartAsync(plan.Calls.Count,
            (i, token) => routed is not null ? Task.FromResult<IAnswerSession>(routed)
                : NormsGate.StartChatAsync(context, plan.Calls[i], (call, t) => StartAsync(inference, call, t)), cancel);
        var header = new Header(OpenAiApi.NewId("chatcmpl-"), OpenAiApi.Now(), choices.Sessions[0].ModelName, routed);
        if (plan.Stream) await StreamAsync(context, plan, choices, header, log);
        else await context.Response.WriteAsJsonAsync(await CollectAsync(plan, choices, header, cancel) with { Takase = routed?.Explanation }, OpenAiJson.Options, cancel);
    }

    /// <summary>The routed answer when the model is a router profile (its decision id goes out as a header), else null.</summary>
    private static async Task<RoutedSession?> RoutedAsync(HttpContext context, CreateChatCompletionRequest request, ChatCompletionPlan plan)
    {
        if (context.RequestServices.GetService<RoutedInference>() is not { } routing || !routing.IsProfile(request.Model)) return null;
        if (plan.Calls.Count > 1)
            throw new OpenAiRequestException($"Invalid 'n': a router profile ('{request.Model}') answers one choice per request; send n = 1.", "n", "unsupported_parameter");
        return await RouterApi.WithRouteHeader(context, routing.ChatAsync(plan.Calls[0],
            model => ChatCompletionMapping.ToPlan(request with { Model = model }, OpenAiOptions.ModelParameters(context.RequestServices, model)).Calls[0],
            plan.Stream, context.RequestAborted, OperatorWait.OpenAiChat(context, request.Model!, plan.Stream), NormsGate.Routed(context, request.Model!)));
    }

    private sealed record Header(string Id, long Created, string Model, RoutedSession? Routed);

    private static async Task<IAnswerSession> StartAsync(InferenceService inference, ChatCall call, CancellationToken cancel)
    {
        try
        {
            return await inference.ChatAsync(call, cancel);
        }
        catch (Exception e) when (call.Format is not null && e is NotSupportedException or Takase.Engine.Grammars.Json.JsonSchemaException)
        {
            throw new OpenAiRequestException(e.Message, "response_format");
        }
    }

    private static async Task<CreateChatCompletionResponse> CollectAsync(ChatCompletionPlan plan, ChoiceStreams choices, Header header, CancellationToken cancel)
    {
        var n = plan.Calls.Count;
        var content = Enumerable.Range(0, n).Select(_ => new StringBuilder()).ToArray();
        var thinking = Enumerable.Range(0, n).Select(_ => new StringBuilder()).ToArray();
        var logprobs = Enumerable.Range(0, n).Select(_ => new List<ChatCompletionTokenLogprob>()).ToArray();
        var results = new InferenceResult[n];
        await foreach (var e in choices.ReadAllAsync(cancel))
        {
            if (e.Chunk is { } chunk)
            {
                content[e.Index].Append(chunk.Content);
                thinking[e.Index].Append(chunk.Thinking);
                if (chunk.Logprobs is { } lp) logprobs[e.Index].AddRange(OpenAiLogprobs.ForChat(lp));
            }
            else results[e.Index] = e.Result!;
        }
        return new CreateChatCompletionResponse
        {
            Id = header.Id,
            Created = header.Created,
            Model = header.Model,
            Choices = [.. Enumerable.Range(0, n).Select(i => new ChatCompletionChoice
            {
                Index = i,
                Message = new ChatCompletionResponseMessage
                {
                    // A message that only calls tools has null content, as OpenAI sends it.
                    Content = content[i].Length == 0 && results[i].ToolCalls.Count > 0 ? null : content[i].ToString(),
                    ReasoningContent = thinking[i].Length > 0 ? thinking[i].ToString() : null,
                    ToolCalls = results[i].ToolCalls.Count > 0
                        ? [.. results[i].ToolCalls.Select(c => new ChatCompletionToolCallOutput { Id = c.Id, Function = Function(c) })]
                        : null,
                },
                Logprobs = plan.Logprobs ? new ChatCompletionLogprobs { Content = logprobs[i] } : null,
                FinishReason = OpenAiApi.FinishReason(results[i]),
            })],
            Usage = Usage(choices, results),
        };
    }

    private static async Task StreamAsync(HttpContext context, ChatCompletionPlan plan, ChoiceStreams choices, Header header, ILogger log)
    {
        var cancel = context.RequestAborted;
        await using var events = choices.ReadAllAsync(cancel).GetAsyncEnumerator(cancel);
        // The first piece comes before the headers, so that errors found as the answer starts (a logit_bias token
        // outside the vocabulary, a model that fails to run) are still an HTTP error the SDKs raise as such.
        var more = await events.MoveNextAsync();
        var sse = new SseWriter(context.Response);
        await sse.StartAsync(cancel);
        CreateChatCompletionStreamResponse Chunk(ChatCompletionChunkChoice choice) =>
            new() { Id = header.Id, Created = header.Created, Model = header.Model, Choices = [choice] };
        try
        {
            for (var i = 0; i < plan.Calls.Count; i++)
                await sse.WriteAsync(Chunk(new() { Index = i, Delta = new() { Role = "assistant", Content = "" } }), cancel);
            var results = new InferenceResult[plan.Calls.Count];
            for (; more; more = await events.MoveNextAsync())
            {
                var e = events.Current;
                if (e.Chunk is { } chunk)
                {
                    await sse.WriteAsync(Chunk(new()
                    {
                        Index = e.Index,
                        Delta = new()
                        {
                            // Content is always present (possibly "") unless the piece is reasoning only.
                            Content = chunk.Content.Length > 0 || chunk.Thinking.Length == 0 ? chunk.Content : null,
                            ReasoningContent = chunk.Thinking.Length > 0 ? chunk.Thinking : null,
                        },
                        Logprobs = chunk.Logprobs is { } lp ? new ChatCompletionLogprobs { Content = OpenAiLogprobs.ForChat(lp) } : null,
                    }), cancel);
                    continue;
                }
                var result = results[e.Index] = e.Result!;
                if (result.ToolCalls.Count > 0)
                {
                    // Tool calls are parsed once the answer is complete, so each is sent whole in one delta.
                    await sse.WriteAsync(Chunk(new()
                    {
                        Index = e.Index,
                        Delta = new()
                        {
                            ToolCalls = [.. result.ToolCalls.Select((c, k) => new ChatCompletionMessageToolCallChunk { Index = k, Id = c.Id, Function = Function(c) })],
                        },
                    }), cancel);
                }
                // A routed answer's explanation rides on the last chunk: this one, unless the usage chunk follows.
                await sse.WriteAsync(Chunk(new() { Index = e.Index, Delta = new(), FinishReason = OpenAiApi.FinishReason(result) }) with
                {
                    Takase = plan.IncludeUsage ? null : header.Routed?.Explanation,
                }, cancel);
            }
            if (plan.IncludeUsage)
                await sse.WriteAsync(new CreateChatCompletionStreamResponse
                {
                    Id = header.Id,
                    Created = header.Created,
                    Model = header.Model,
                    Choices = [],
                    Usage = Usage(choices, results),
                    Takase = header.Routed?.Explanation,
                }, cancel);
            await sse.WriteDoneAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away; cancelling RequestAborted has stopped the generation.
        }
        catch (Exception e)
        {
            await sse.WriteAsync(new OpenAiErrorResponse(OpenAiApi.StreamError(e, log)), cancel);
            await sse.WriteDoneAsync(cancel);
        }
    }

    private static FunctionCallOutput Function(ToolCall call) =>
        new() { Name = call.Name, Arguments = call.Arguments.ToJsonString(OpenAiJson.Options) };

    private static CompletionUsage Usage(ChoiceStreams choices, InferenceResult[] results) => new()
    {
        // The prompt is the same for every choice and counted once, as OpenAI does; the answers add up.
        PromptTokens = choices.Sessions[0].PromptTokens,
        CompletionTokens = results.Sum(r => r.Stats.GeneratedTokens),
    };
}
