using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Inference;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>POST /api/embed (batched, L2-normalised) and the legacy POST /api/embeddings (one prompt, raw vector).</summary>
public static class EmbedEndpoints
{
    /// <summary>/api/embed.</summary>
    public static async Task EmbedAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<EmbedRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Require(model);
        var inputs = OllamaCalls.EmbedInputs(request.Input);
        var keepAlive = OllamaCalls.KeepAliveOf(request.KeepAlive);
        var contextLength = OptionsMapper.ContextLength(request.Options);
        if (request.Dimensions is < 0) throw new ArgumentException($"dimensions must be positive (or 0 for all), not {request.Dimensions}");
        if (inputs.Count == 0)
        {
            // As Ollama: no input only loads the model.
            await ModelLoad.LoadAsync(http, entry, keepAlive);
            await OllamaJson.WriteAsync(http.Response, new EmbedResponse { Model = model, Embeddings = [] });
            return;
        }
        var result = await http.RequestServices.GetRequiredService<InferenceService>().EmbedAsync(new EmbedCall
        {
            Model = model,
            Inputs = inputs,
            Truncate = request.Truncate ?? true,
            Dimensions = request.Dimensions is > 0 ? request.Dimensions : null,
            KeepAlive = keepAlive,
            ContextLength = contextLength,
        }, http.RequestAborted);
        await OllamaJson.WriteAsync(http.Response, new EmbedResponse
        {
            Model = model,
            Embeddings = result.Embeddings,
            TotalDuration = AnswerStream.Nanoseconds(result.TotalDuration),
            LoadDuration = AnswerStream.Nanoseconds(result.LoadDuration),
            PromptEvalCount = result.PromptTokens,
        });
    }

    /// <summary>/api/embeddings: the pooled vector as the model makes it, not normalised (as Ollama's legacy route).</summary>
    public static async Task EmbeddingsAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<EmbeddingsRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Require(model);
        var keepAlive = OllamaCalls.KeepAliveOf(request.KeepAlive);
        var contextLength = OptionsMapper.ContextLength(request.Options);
        if (string.IsNullOrEmpty(request.Prompt))
        {
            await ModelLoad.LoadAsync(http, entry, keepAlive);
            await OllamaJson.WriteAsync(http.Response, new EmbeddingResponse([]));
            return;
        }
        var result = await http.RequestServices.GetRequiredService<InferenceService>().EmbedAsync(new EmbedCall
        {
            Model = model,
            Inputs = [request.Prompt],
            Normalize = false,
            KeepAlive = keepAlive,
            ContextLength = contextLength,
        }, http.RequestAborted);
        await OllamaJson.WriteAsync(http.Response, new EmbeddingResponse(result.Embeddings[0].Select(x => (double)x).ToList()));
    }
}
