using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// A real OpenAI-compatible provider on 127.0.0.1 that fails on purpose, for the router's remote targets. Its behaviour
/// is the first path segment, so each target of a test configuration gets its own: <c>http://127.0.0.1:port/{slot}/v1</c>
/// where the slot starts with the mode — "ok" answers (chat and text completions, whole or streamed as SSE), "500" a
/// server error, "429" a rate limit, "hang" never answers, "garbage" answers what is not OpenAI JSON / SSE, "context" a
/// context-length 400, "cut" sends one piece of the answer and stops. Requests are counted per slot.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    /// <summary>The text an "ok" slot answers.</summary>
    public const string Answer = "Hello from the provider, in five pieces.";
    /// <summary>The model id the provider reports (the router reports the target's configured model instead).</summary>
    public const string ReportedModel = "provider-model-2025";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _requests = new();

    private FakeProvider(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The OpenAI base URL of a slot.</summary>
    public Uri Endpoint(string slot) => new(BaseAddress, $"{slot}/v1");

    /// <summary>Requests the slot has received.</summary>
    public int Requests(string slot) => _requests.GetValueOrDefault(slot);

    /// <summary>Starts the provider on a free loopback port.</summary>
    public static async Task<FakeProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new FakeProvider(app);
        app.MapPost("/{slot}/v1/chat/completions", (HttpContext http, string slot) => provider.HandleAsync(http, slot, chat: true));
        app.MapPost("/{slot}/v1/completions", (HttpContext http, string slot) => provider.HandleAsync(http, slot, chat: false));
        await app.StartAsync();
        provider.BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return provider;
    }

    private async Task HandleAsync(HttpContext http, string slot, bool chat)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body);
        _requests.AddOrUpdate(slot, 1, (_, n) => n + 1);
        var stream = body?["stream"]?.GetValue<bool>() == true;
        var mode = slot.Split('-')[0];
        switch (mode)
        {
            case "500":
                await Error(http, 500, "the provider broke", "server_error", null);
                return;
            case "429":
                await Error(http, 429, "Rate limit reached for requests", "rate_limit_error", "rate_limit_exceeded");
                return;
            case "context":
                await Error(http, 400, "This model's maximum context length is 16 tokens. However, your messages resulted in 40 tokens.",
                    "invalid_request_error", "context_length_exceeded");
                return;
            case "hang":
                try
                {
                    await Task.Delay(Timeout.Infinite, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            case "garbage":
                http.Response.ContentType = stream ? "text/event-stream" : "application/json";
                await http.Response.WriteAsync(stream ? "data: {this is not json\n\n" : "<html>surprise</html>");
                return;
            case "cut":
                // The stream stops after one piece, without a finish_reason or [DONE] (a proxy that gave up). Ending it
                // cleanly rather than resetting the connection keeps the piece from being lost with the reset.
                http.Response.ContentType = "text/event-stream";
                await Event(http, Chunk(chat, "Hello ", null));
                return;
            case "ok":
                if (!stream)
                {
                    http.Response.ContentType = "application/json";
                    await http.Response.WriteAsync(Whole(chat).ToJsonString());
                    return;
                }
                http.Response.ContentType = "text/event-stream";
                var words = Answer.Split(' ');
                for (var i = 0; i < words.Length; i++)
                    await Event(http, Chunk(chat, i == 0 ? words[i] : " " + words[i], null));
                await Event(http, Chunk(chat, "", "stop"));
                var usage = Chunk(chat, "", null);
                usage["choices"] = new JsonArray();
                usage["usage"] = Usage();
                await Event(http, usage);
                await http.Response.WriteAsync("data: [DONE]\n\n");
                return;
            default:
                await Error(http, 404, $"unknown slot mode '{mode}'", "invalid_request_error", null);
                return;
        }
    }

    private static async Task Event(HttpContext http, JsonNode data)
    {
        await http.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", Encoding.UTF8);
        await http.Response.Body.FlushAsync();
    }

    private static Task Error(HttpContext http, int status, string message, string type, string? code)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
        }.ToJsonString());
    }

    private static JsonObject Usage() => new() { ["prompt_tokens"] = 12, ["completion_tokens"] = 7, ["total_tokens"] = 19 };

    private static JsonObject Whole(bool chat) => new()
    {
        ["id"] = "fake-1",
        ["object"] = chat ? "chat.completion" : "text_completion",
        ["created"] = 1_700_000_000,
        ["model"] = ReportedModel,
        ["choices"] = new JsonArray(chat
            ? new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Answer },
                ["finish_reason"] = "stop",
            }
            : new JsonObject { ["index"] = 0, ["text"] = Answer, ["finish_reason"] = "stop" }),
        ["usage"] = Usage(),
    };

    private static JsonObject Chunk(bool chat, string text, string? finish) => new()
    {
        ["id"] = "fake-1",
        ["object"] = chat ? "chat.completion.chunk" : "text_completion",
        ["created"] = 1_700_000_000,
        ["model"] = ReportedModel,
        ["choices"] = new JsonArray(chat
            ? new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = text }, ["finish_reason"] = finish }
            : new JsonObject { ["index"] = 0, ["text"] = text, ["finish_reason"] = finish }),
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
