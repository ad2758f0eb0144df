using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Server.Inference;
using Takase.Server.Norms;
using Takase.Server.Routing;

namespace Takase.Server.OpenAI;

/// <summary>POST /v1/completions: raw text completions as one "text_completion" object or a stream of them.</summary>
internal static class CompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, InferenceService inference, ILogger log)
    {
        var cancel = context.RequestAborted;
        var request = await OpenAiJson.ReadBodyAsync<CreateCompletionRequest>(context.Request, cancel);
        var plan = CompletionMapping.ToPlan(request, OpenAiOptions.ModelParameters(context.RequestServices, request.Model));
        var routed = await RoutedAsync(context, request, plan);
        if (routed is null && context.Response.HasStarted) return; // a person answers later: 202 with the ticket to poll
        await using var choices = await ChoiceStreams.StartAsync(plan.Calls.Count, async (i, token) =>
            routed ?? await NormsGate.StartCompletionAsync(context, plan.Calls[i], async (call, t) => await inference.CompleteAsync(call, t)), cancel);
        var model = choices.Sessions[0].ModelName;
        var echoes = plan.Echo ? await EchoesAsync(inference, plan, model, cancel) : null;
        var header = new CreateCompletionResponse { Id = OpenAiApi.NewId("cmpl-"), Created = OpenAiApi.Now(), Model = model, Choices = [] };
        if (plan.Stream) await StreamAsync(context, plan, choices, header, echoes, log, routed);
        else await context.Response.WriteAsJsonAsync(await CollectAsync(plan, choices, header, echoes, cancel) with { Takase = routed?.Explanation }, OpenAiJson.Options, cancel);
    }

    /// <summary>The routed answer when the model is a router profile (its decision id goes out as a header), else null.</summary>
    private static async Task<RoutedSession?> RoutedAsync(HttpContext context, CreateCompletionRequest request, CompletionPlan plan)
    {
        if (context.RequestServices.GetService<RoutedInference>() is not { } routing || !routing.IsProfile(request.Model)) return null;
        if (plan.Calls.Count > 1)
            throw new OpenAiRequestException($"Invalid 'prompt' or 'n': a router profile ('{request.Model}') answers one prompt with one choice per request.", "n", "unsupported_parameter");
        if (plan.Prompts[0].Text is null)
            throw new OpenAiRequestException($"Invalid 'prompt': token ids belong to one model's vocabulary; send text to a router profile ('{request.Model}').", "prompt");
        return await RouterApi.WithRouteHeader(context, routing.CompleteAsync(plan.Calls[0],
            model => CompletionMapping.ToPlan(request with { Model = model }, OpenAiOptions.ModelParameters(context.RequestServices, model)).Calls[0],
            plan.Stream, context.RequestAborted, OperatorWait.OpenAiCompletion(context, request.Model!, plan.Stream), NormsGate.Routed(context, request.Model!)));
    }

    /// <summary>The text echo puts in front of each prompt's completions (token prompts are decoded).</summary>
    private static async Task<string[]> EchoesAsync(InferenceService inference, CompletionPlan plan, string model, CancellationToken cancel)
    {
        var echoes = new string[plan.Prompts.Count];
        for (var p = 0; p < echoes.Length; p++)
            echoes[p] = plan.Prompts[p].Text ?? await inference.DetokenizeAsync(model, plan.Prompts[p].Tokens!, null, cancel);
        return echoes;
    }

    private static async Task<CreateCompletionResponse> CollectAsync(CompletionPlan plan, ChoiceStreams choices, CreateCompletionResponse header,
        string[]? echoes, CancellationToken cancel)
    {
        var n = plan.Calls.Count;
        var texts = Enumerable.Range(0, n).Select(i => new StringBuilder(Echo(plan, echoes, i))).ToArray();
        var logprobs = Enumerable.Range(0, n).Select(_ => new CompletionLogprobs()).ToArray();
        var offsets = texts.Select(t => t.Length).ToArray();
        var results = new InferenceResult[n];
        await foreach (var e in choices.ReadAllAsync(cancel))
        {
            if (e.Chunk is { } chunk)
            {
                texts[e.Index].Append(chunk.Content);
                if (chunk.Logprobs is { } lp) OpenAiLogprobs.AppendForCompletion(logprobs[e.Index], lp, ref offsets[e.Index]);
            }
            else results[e.Index] = e.Result!;
        }
        return header with
        {
            Choices = [.. Enumerable.Range(0, n).Select(i => new CompletionChoice
            {
                Text = texts[i].ToString(),
                Index = i,
                Logprobs = plan.Logprobs ? logprobs[i] : null,
                FinishReason = OpenAiApi.FinishReason(results[i]),
            })],
            Usage = Usage(plan, choices, results),
        };
    }

    private static async Task StreamAsync(HttpContext context, CompletionPlan plan, ChoiceStreams choices, CreateCompletionResponse header,
        string[]? echoes, ILogger log, RoutedSession? routed)
    {
        var cancel = context.RequestAborted;
        await using var events = choices.ReadAllAsync(cancel).GetAsyncEnumerator(cancel);
        // As for chat: the first piece before the headers, so errors at the start are still HTTP errors.
        var more = await events.MoveNextAsync();
        var sse = new SseWriter(context.Response);
        await sse.StartAsync(cancel);
        try
        {
            var offsets = new int[plan.Calls.Count];
            if (echoes is not null)
                for (var i = 0; i < plan.Calls.Count; i++)
                {
                    offsets[i] = Echo(plan, echoes, i).Length;
                    await sse.WriteAsync(header with { Choices = [new CompletionChoice { Text = Echo(plan, echoes, i), Index = i }] }, cancel);
                }
            var results = new InferenceResult[plan.Calls.Count];
            for (; more; more = await events.MoveNextAsync())
            {
                var e = events.Current;
                CompletionChoice choice;
                if (e.Chunk is { } chunk)
                {
                    CompletionLogprobs? logprobs = null;
                    if (chunk.Logprobs is { } lp) OpenAiLogprobs.AppendForCompletion(logprobs = new CompletionLogprobs(), lp, ref offsets[e.Index]);
                    choice = new CompletionChoice { Text = chunk.Content, Index = e.Index, Logprobs = logprobs };
                }
                else
                {
                    results[e.Index] = e.Result!;
                    choice = new CompletionChoice { Text = "", Index = e.Index, FinishReason = OpenAiApi.FinishReason(e.Result!) };
                }
                // A routed answer's explanation rides on the last event: the finishing one, unless the usage event follows.
                var last = e.Chunk is null && routed is not null && !plan.IncludeUsage;
                await sse.WriteAsync(header with { Choices = [choice], Takase = last ? routed!.Explanation : null }, cancel);
            }
            if (plan.IncludeUsage) await sse.WriteAsync(header with { Usage = Usage(plan, choices, results), Takase = routed?.Explanation }, cancel);
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

    private static string Echo(CompletionPlan plan, string[]? echoes, int choice) => echoes?[choice / plan.ChoicesPerPrompt] ?? "";

    private static CompletionUsage Usage(CompletionPlan plan, ChoiceStreams choices, InferenceResult[] results) => new()
    {
        // Each prompt counts once, however many choices answer it.
        PromptTokens = choices.Sessions.Where((_, i) => i % plan.ChoicesPerPrompt == 0).Sum(s => s.PromptTokens),
        CompletionTokens = results.Sum(r => r.Stats.GeneratedTokens),
    };
}
