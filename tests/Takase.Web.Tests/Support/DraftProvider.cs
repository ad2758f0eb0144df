using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Takase.Web.Tests.Support;

/// <summary>
/// A stand-in for remote OpenAI-compatible targets on a free loopback port: POST /{slot}/v1/chat/completions answers
/// <see cref="DraftOf"/>(slot), whole (the operator desk's drafts are not streamed). Each slot is one target, so a test
/// can tell whose draft it sees.
/// </summary>
public sealed class DraftProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DraftProvider(WebApplication app) => _app = app;

    /// <summary>The OpenAI base URL of a slot.</summary>
    public Uri Endpoint(string slot) => new(new Uri(_app.Urls.First().TrimEnd('/') + "/"), $"{slot}/v1");

    /// <summary>The answer of a slot: different for every slot.</summary>
    public static string DraftOf(string slot) => $"Draft by {slot}: 返金は3営業日以内に行います。";

    /// <summary>Starts the provider.</summary>
    public static async Task<DraftProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{slot}/v1/chat/completions", (string slot) => Results.Json(new JsonObject
        {
            ["id"] = "draft-1",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = slot,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = DraftOf(slot) },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 10, ["total_tokens"] = 20 },
        }));
        await app.StartAsync();
        return new DraftProvider(app);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
