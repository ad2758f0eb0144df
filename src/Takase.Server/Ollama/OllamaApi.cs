using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Takase.Server.Ollama;

/// <summary>
/// The Ollama API routes (docs/api.md and api/types.go of ollama/ollama), so the ollama CLI, ollama-js,
/// ollama-python, Open WebUI and LangChain work against Takase unchanged; plus Takase's additions /api/tokenize,
/// /api/detokenize and /api/queue. Handlers live in one class per concern and stay thin: read the request, call
/// <see cref="Inference.InferenceService"/> or the model manager, write the answer.
/// </summary>
public static class OllamaApi
{
    /// <summary>The version reported by /api/version (the Ollama API level Takase follows).</summary>
    public const string Version = "0.12.0";

    /// <summary>Maps every /api route.</summary>
    public static void Map(WebApplication app)
    {
        app.MapMethods("/api/version", ["GET", "HEAD"], ModelEndpoints.VersionAsync);
        app.MapMethods("/api/tags", ["GET", "HEAD"], ModelEndpoints.TagsAsync);
        app.MapPost("/api/show", Guard(ModelEndpoints.ShowAsync));
        app.MapGet("/api/ps", ModelEndpoints.PsAsync);
        app.MapPost("/api/copy", ModelEndpoints.CopyAsync);
        app.MapDelete("/api/delete", ModelEndpoints.DeleteAsync);
        app.MapPost("/api/pull", TransferEndpoints.PullAsync);
        app.MapPost("/api/push", TransferEndpoints.PushAsync);
        app.MapPost("/api/create", CreateEndpoint.CreateAsync);
        app.MapMethods("/api/blobs/{digest}", ["HEAD"], ModelEndpoints.HeadBlob);
        app.MapPost("/api/blobs/{digest}", ModelEndpoints.PostBlobAsync);

        app.MapPost("/api/generate", Guard(GenerateEndpoint.HandleAsync));
        app.MapPost("/api/chat", Guard(ChatEndpoint.HandleAsync));
        app.MapPost("/api/embed", Guard(EmbedEndpoints.EmbedAsync));
        app.MapPost("/api/embeddings", Guard(EmbedEndpoints.EmbeddingsAsync));

        app.MapPost("/api/tokenize", Guard(TokenEndpoints.TokenizeAsync));
        app.MapPost("/api/detokenize", Guard(TokenEndpoints.DetokenizeAsync));
        app.MapGet("/api/queue", TokenEndpoints.QueueAsync);
    }

    // A client that hangs up while its model loads or its answer streams is not a server error: stop quietly.
    private static RequestDelegate Guard(RequestDelegate handler) => async http =>
    {
        try
        {
            await handler(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    };
}
