using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Inference;
using Takase.Server.Models;
using Takase.Server.Norms;
using Takase.Server.Routing;

namespace Takase.Server.Ollama;

/// <summary>POST /api/chat: a chat answer with tools and thinking, streamed as NDJSON by default.</summary>
public static class ChatEndpoint
{
    /// <summary>Handles one request.</summary>
    public static async Task HandleAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var request = await OllamaJson.ReadAsync<ChatRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.Model);
        var stream = request.Stream ?? true;
        var loadOnly = request.Messages is not { Count: > 0 };
        IAnswerSession session;
        RoutedSession? routed = null;
        if (OllamaRouting.Routing(http) is { } routing && routing.IsProfile(model))
        {
            // A profile has nothing to load or unload: its targets load when they answer.
            if (loadOnly)
            {
                await ModelLoad.WriteOne(http, stream, Empty(model, "load"));
                return;
            }
            routed = await OllamaRouting.ChatAsync(http, routing, request, model, stream);
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
                await ModelLoad.WriteOne(http, stream, Empty(model, "unload"));
                return;
            }

            request = request with { Options = OptionsMapper.WithModelDefaults(request.Options, entry.Stored?.Parameters) };
            var call = OllamaCalls.Chat(request, model, ModelFacts.For(entry));
            if (loadOnly)
            {
                await ModelLoad.LoadAsync(http, entry, keepAlive);
                await ModelLoad.WriteOne(http, stream, Empty(model, "load"));
                return;
            }

            var inference = http.RequestServices.GetRequiredService<InferenceService>();
            session = await NormsGate.StartChatAsync(http, call, async (c, t) => await inference.ChatAsync(c, t));
        }
        Answer? answer;
        try
        {
            answer = await AnswerStream.RunAsync(http, session, stream, (chunk, logprobs) => new ChatResponse
            {
                Model = model,
                CreatedAt = DateTime.UtcNow,
                Message = new OllamaMessage { Role = "assistant", Content = chunk.Content, Thinking = chunk.Thinking.Length > 0 ? chunk.Thinking : null },
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
        var toolCalls = result.ToolCalls.Count == 0 ? null : result.ToolCalls.Select(c => new OllamaToolCall
        {
            Id = c.Id,
            Function = new OllamaToolCallFunction { Index = c.Index, Name = c.Name, Arguments = c.Arguments },
        }).ToList();
        if (stream && toolCalls is not null)
        {
            // As Ollama: the calls arrive in a chunk of their own, before the final one.
            await answer.Writer!.WriteAsync(new ChatResponse
            {
                Model = model,
                CreatedAt = DateTime.UtcNow,
                Message = new OllamaMessage { Role = "assistant", Content = "", ToolCalls = toolCalls },
            }, http.RequestAborted);
        }
        var stats = result.Stats;
        await answer.FinishAsync(http, new ChatResponse
        {
            Model = model,
            CreatedAt = DateTime.UtcNow,
            Message = stream
                ? new OllamaMessage { Role = "assistant", Content = "" }
                : new OllamaMessage
                {
                    Role = "assistant",
                    Content = answer.Content,
                    Thinking = answer.Thinking.Length > 0 ? answer.Thinking : null,
                    ToolCalls = toolCalls,
                },
            Done = true,
            DoneReason = AnswerStream.DoneReasonOf(result.Reason),
            Logprobs = stream ? null : answer.Logprobs,
            TotalDuration = AnswerStream.Nanoseconds(Stopwatch.GetElapsedTime(started)),
            LoadDuration = AnswerStream.Nanoseconds(result.LoadDuration),
            PromptEvalCount = stats.PromptTokens,
            PromptEvalDuration = AnswerStream.Nanoseconds(stats.PromptDuration),
            EvalCount = stats.GeneratedTokens,
            EvalDuration = AnswerStream.Nanoseconds(stats.GenerationDuration),
            Takase = routed?.Explanation,
        });
    }

    private static ChatResponse Empty(string model, string reason) => new()
    {
        Model = model,
        CreatedAt = DateTime.UtcNow,
        Message = new OllamaMessage { Role = "assistant", Content = "" },
        Done = true,
        DoneReason = reason,
    };
}
