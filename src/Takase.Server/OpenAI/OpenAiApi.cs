using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Engine.Generation;
using Takase.Server.Inference;
using Takase.Server.Models;

namespace Takase.Server.OpenAI;

/// <summary>
/// The OpenAI-compatible routes under /v1: chat completions, text completions, embeddings and models, so the
/// OpenAI SDKs and the tools built on them (LangChain, Open WebUI, …) work against Takase unchanged. Each endpoint
/// reads its request record, lets a mapping check it and build the service calls, and writes OpenAI's objects.
/// </summary>
public static class OpenAiApi
{
    /// <summary>The system_fingerprint of every answer.</summary>
    public const string SystemFingerprint = "fp_takase";

    /// <summary>Maps every /v1 route.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/models", (ModelCatalog catalog, HttpContext context) => ModelsEndpoint.List(catalog, context.RequestServices));
        // Model names contain ':' and may contain '/', so the id is the whole rest of the path.
        app.MapGet("/v1/models/{**id}", (HttpContext context, string id, ModelCatalog catalog) =>
            Handle(context, () => ModelsEndpoint.RetrieveAsync(context, id, catalog)));
        app.MapPost("/v1/chat/completions", (HttpContext context, InferenceService inference, ILoggerFactory logs) =>
            Handle(context, () => ChatCompletionsEndpoint.HandleAsync(context, inference, logs.CreateLogger(typeof(OpenAiApi)))));
        app.MapPost("/v1/completions", (HttpContext context, InferenceService inference, ILoggerFactory logs) =>
            Handle(context, () => CompletionsEndpoint.HandleAsync(context, inference, logs.CreateLogger(typeof(OpenAiApi)))));
        app.MapPost("/v1/embeddings", (HttpContext context, InferenceService inference) =>
            Handle(context, () => EmbeddingsEndpoint.HandleAsync(context, inference)));
    }

    /// <summary>
    /// Runs an endpoint and answers the errors a client can act on in OpenAI's shape, with the field at fault in
    /// error.param. A client that went away gets nothing; server faults go on to the host's handler (logged, 500).
    /// </summary>
    private static async Task Handle(HttpContext context, Func<Task> endpoint)
    {
        try
        {
            await endpoint();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; its generation has been stopped through RequestAborted.
        }
        catch (Exception e) when (!context.Response.HasStarted && OpenAiErrors.Describe(e) is { } error)
        {
            await OpenAiErrors.WriteAsync(context, error.Status, error.Error);
        }
    }

    /// <summary>A fresh response id such as "chatcmpl-…" or "cmpl-…".</summary>
    internal static string NewId(string prefix) => prefix + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24);

    /// <summary>OpenAI's finish_reason: "tool_calls" when the model called tools, "length" at the token limit, else "stop".</summary>
    internal static string FinishReason(InferenceResult result) =>
        result.ToolCalls.Count > 0 ? "tool_calls" : result.Reason == DoneReason.Length ? "length" : "stop";

    /// <summary>Unix seconds now, for "created".</summary>
    internal static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A log-probability JSON can carry: OpenAI reports -9999 for "impossible".</summary>
    internal static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : -9999f;

    /// <summary>Logs a server fault during a stream and returns the error event to send instead.</summary>
    internal static OpenAiError StreamError(Exception e, ILogger log)
    {
        if (OpenAiErrors.Describe(e) is { } known) return known.Error;
        log.LogError(e, "error while streaming an answer");
        return new OpenAiError("internal server error; see the server log", "server_error", null, null);
    }
}
