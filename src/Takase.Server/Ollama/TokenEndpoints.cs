using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Hosting;
using Takase.Server.Inference;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>
/// Takase's additions to the Ollama API that its users ask for most: tokenization for token budgeting
/// (/api/tokenize, /api/detokenize, in llama.cpp's shape) and queue visibility for load balancing (/api/queue).
/// </summary>
public static class TokenEndpoints
{
    /// <summary>POST /api/tokenize {model, content|text, add_special?, parse_special?} → {"tokens": […]}.</summary>
    public static async Task TokenizeAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<TokenizeRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var text = request.Content ?? request.Text ?? throw new ArgumentException("content is required (the text to tokenize)");
        var tokens = await http.RequestServices.GetRequiredService<InferenceService>().TokenizeAsync(model, text,
            addSpecial: request.AddSpecial ?? false, parseSpecial: request.ParseSpecial ?? true,
            OllamaCalls.KeepAliveOf(request.KeepAlive), http.RequestAborted);
        await OllamaJson.WriteAsync(http.Response, new TokenizeResponse(tokens));
    }

    /// <summary>POST /api/detokenize {model, tokens} → {"content": "…"}.</summary>
    public static async Task DetokenizeAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<DetokenizeRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var tokens = request.Tokens ?? throw new ArgumentException("tokens is required (an array of token ids)");
        var text = await http.RequestServices.GetRequiredService<InferenceService>().DetokenizeAsync(model, tokens,
            OllamaCalls.KeepAliveOf(request.KeepAlive), http.RequestAborted);
        await OllamaJson.WriteAsync(http.Response, new DetokenizeResponse(text));
    }

    /// <summary>GET /api/queue: for each loaded model, requests running and waiting and the slots it has.</summary>
    public static Task QueueAsync(HttpContext http)
    {
        var slots = http.RequestServices.GetRequiredService<TakaseServerOptions>().ParallelSlots;
        var models = http.RequestServices.GetRequiredService<ModelManager>().Loaded
            .OrderBy(m => m.Entry.Name, StringComparer.OrdinalIgnoreCase)
            .Select(m => new ModelQueue { Model = m.Entry.Name, Running = m.Scheduler.Running, Queued = m.Scheduler.QueueDepth, Slots = slots })
            .ToList();
        return OllamaJson.WriteAsync(http.Response, new QueueResponse(models));
    }
}
