using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Takase.Server.Tests.Norms;

/// <summary>
/// A classifier on 127.0.0.1 speaking OpenAI's chat completions: it labels the last user message "unsafe" when it
/// holds the word "dangerous", else "safe", so a test controls the label by what it sends. Remembers what it was asked.
/// </summary>
public sealed class LabelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _asked = new();

    private LabelServer(WebApplication app) => _app = app;

    /// <summary>The OpenAI base URL.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The texts it was asked to label, oldest first.</summary>
    public IReadOnlyList<string> Asked => [.. _asked];

    /// <summary>Starts it on a free loopback port.</summary>
    public static async Task<LabelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LabelServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var body = JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync())!;
            var text = body["messages"]!.AsArray().Last(m => (string?)m!["role"] == "user")!["content"]!.GetValue<string>();
            server._asked.Enqueue(text);
            var label = text.Contains("dangerous", StringComparison.OrdinalIgnoreCase) ? "unsafe" : "safe";
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(new JsonObject
            {
                ["id"] = "chatcmpl-label",
                ["object"] = "chat.completion",
                ["created"] = 0,
                ["model"] = "labeller",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = label + "." },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["completion_tokens"] = 1, ["total_tokens"] = 6 },
            }.ToJsonString());
        });
        await app.StartAsync();
        server.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
