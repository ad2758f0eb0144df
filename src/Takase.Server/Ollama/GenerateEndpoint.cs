using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Inference;
using Takase.Server.Models;
using Takase.Server.Norms;
using Takase.Server.Routing;

namespace Takase.Server.Ollama;

/// <summary>POST /api/generate: a completion, streamed as NDJSON by default.</summary>
public static class GenerateEndpoint
{
    /// <summary>Handles one request.</summary>
    public static async Task HandleAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var request = await OllamaJson.ReadAsync<GenerateRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var stream = request.Stream ?? true;
        var loadOnly = string.IsNullOrEmpty(request.Prompt) && string.IsNullOrEmpty(request.Suffix);
        IAnswerSession session;
        RoutedSession? routed = null;
        if (OllamaRouting.Routing(http) is { } routing && routing.IsProfile(model))
        {
            // A profile has nothing to load or unload: its targets load when they answer.
            if (loadOnly)
            {
                await WriteOne(http, stream, new GenerateResponse { Model = model, CreatedAt = DateTime.UtcNow, Done = true, DoneReason = "load" });
                return;
            }
            routed = await OllamaRouting.GenerateAsync(http, routing, request, model, stream);
            if (routed is null) return; // a person answers later: 202 with the ticket to poll
            session = routed;
            model = routed.ModelName; // the response names the model that answered
        }
        else
        {
            var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Require(model);
            var keepAlive = OllamaCalls.KeepAliveOf(request.KeepAlive);
            if (loadOnly && OllamaCalls.IsUnload(keepAlive))
            {
                http.RequestServices.GetRequiredService<ModelManager>().Unload(entry.Name);
                await WriteOne(http, stream, new GenerateResponse { Model = model, CreatedAt = DateTime.UtcNow, Done = true, DoneReason = "unload" });
                return;
            }

            request = request with { Options = OptionsMapper.WithModelDefaults(request.Options, entry.Stored?.Parameters) };
            var call = OllamaCalls.Completion(request, model, ModelFacts.For(entry));
            if (loadOnly)
            {
                await ModelLoad.LoadAsync(http, entry, keepAlive);
                await WriteOne(http, stream, new GenerateResponse { Model = model, CreatedAt = DateTime.UtcNow, Done = true, DoneReason = "load" });
                return;
            }

            var inference = http.RequestServices.GetRequiredService<InferenceService>();
            session = await NormsGate.StartCompletionAsync(http, call, async (c, t) => await inference.CompleteAsync(c, t));
        }
        Answer? answer;
        try
        {
            answer = await AnswerStream.RunAsync(http, session, stream, (chunk, logprobs) => new GenerateResponse
            {
                Model = model,
                CreatedAt = DateTime.UtcNow,
                Response = chunk.Content,
                Thinking = chunk.Thinking.Length > 0 ? chunk.Thinking : null,
                Logprobs = logprobs,
            }, started);
        }
        finally
        {
            // Release the model before the last line goes out, so a client that sees "done" also sees keep_alive applied.
            await session.DisposeAsync();
        }
        if (answer is null) return;
        var result = answer.Result;
        var stats = result.Stats;
        await answer.FinishAsync(http, new GenerateResponse
        {
            Model = model,
            CreatedAt = DateTime.UtcNow,
            Response = stream ? "" : answer.Content,
            Thinking = !stream && answer.Thinking.Length > 0 ? answer.Thinking : null,
            Done = true,
            DoneReason = AnswerStream.DoneReasonOf(result.Reason),
            // A routed answer's tokens belong to whichever target answered: no context to continue a profile with.
            Context = request.Raw || routed is not null ? null : result.Context,
            TotalDuration = AnswerStream.Nanoseconds(Stopwatch.GetElapsedTime(started)),
            LoadDuration = AnswerStream.Nanoseconds(result.LoadDuration),
            PromptEvalCount = stats.PromptTokens,
            PromptEvalDuration = AnswerStream.Nanoseconds(stats.PromptDuration),
            EvalCount = stats.GeneratedTokens,
            EvalDuration = AnswerStream.Nanoseconds(stats.GenerationDuration),
            Logprobs = stream ? null : answer.Logprobs,
            Takase = routed?.Explanation,
        });
    }

    private static Task WriteOne<T>(HttpContext http, bool stream, T value) => ModelLoad.WriteOne(http, stream, value);
}

/// <summary>Ollama's "empty request loads the model": take a lease and give it back, starting keep_alive.</summary>
internal static class ModelLoad
{
    public static async Task LoadAsync(HttpContext http, ModelEntry entry, TimeSpan? keepAlive)
    {
        using var lease = await http.RequestServices.GetRequiredService<ModelManager>().AcquireAsync(entry.Name, keepAlive, http.RequestAborted);
    }

    /// <summary>A one-object answer: an NDJSON line when the client asked for a stream, else a JSON body.</summary>
    public static Task WriteOne<T>(HttpContext http, bool stream, T value) =>
        stream ? new NdjsonWriter(http.Response).WriteAsync(value, http.RequestAborted) : OllamaJson.WriteAsync(http.Response, value);
}
