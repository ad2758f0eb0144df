using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
/// context-length 400, "cut" sends one piece of the answer and stops, "echo" repeats the placeholders (&lt;EMAIL_1&gt;)
/// of the request — as text, or as a tool call when the request has tools — streamed in pieces of a few characters,
/// so placeholders are split across pieces. Requests are counted and recorded per slot.
/// </summary>
public sealed partial class FakeProvider : IAsyncDisposable
{
    /// <summary>The text an "ok" slot answers.</summary>
    public const string Answer = "Hello from the provider, in five pieces.";
    /// <summary>The model id the provider reports (the router reports the target's configured model instead).</summary>
    public const string ReportedModel = "provider-model-2025";

    private readonly WebApplication _app;
    /// <summary>The name of the tool an "echo" slot calls.</summary>
    public const string EchoTool = "send_mail";

    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedRequest>> _received = new();

    private FakeProvider(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The OpenAI base URL of a slot.</summary>
    public Uri Endpoint(string slot) => new(BaseAddress, $"{slot}/v1");

    /// <summary>Requests the slot has received.</summary>
    public int Requests(string slot) => _requests.GetValueOrDefault(slot);

    /// <summary>The requests the slot has received, oldest first.</summary>
    public IReadOnlyList<ReceivedRequest> Received(string slot) => _received.TryGetValue(slot, out var q) ? [.. q] : [];

    /// <summary>What an "echo" slot answers as text for the placeholders it was sent (or, in a test, for their originals).</summary>
    public static string EchoText(IEnumerable<string> values) => $"Noted: {string.Join(" and ", values)}.";

    /// <summary>The arguments of the tool call an "echo" slot answers with when the request has tools.</summary>
    public static JsonObject EchoArguments(IReadOnlyList<string> values) => new()
    {
        ["to"] = values.Count > 0 ? values[0] : "",
        ["note"] = $"about {string.Join(" and ", values)}",
        ["copies"] = 2,
    };

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
        var raw = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        var body = JsonNode.Parse(raw);
        _requests.AddOrUpdate(slot, 1, (_, n) => n + 1);
        var texts = Texts(body);
        _received.GetOrAdd(slot, _ => new ConcurrentQueue<ReceivedRequest>()).Enqueue(new ReceivedRequest(raw, texts));
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
            case "echo":
                var placeholders = Placeholder().Matches(texts).Select(m => m.Value).Distinct().ToList();
                if (body?["tools"] is JsonArray { Count: > 0 }) await EchoToolCall(http, stream, EchoArguments(placeholders).ToJsonString());
                else await EchoAnswer(http, chat, stream, EchoText(placeholders));
                return;
            default:
                await Error(http, 404, $"unknown slot mode '{mode}'", "invalid_request_error", null);
                return;
        }
    }

    /// <summary>The request's texts as the model would read them (contents, prompt, tool-call arguments), JSON-decoded.</summary>
    private static string Texts(JsonNode? body)
    {
        var texts = new List<string>();
        if (body?["prompt"] is JsonValue prompt) texts.Add(prompt.GetValue<string>());
        foreach (var message in body?["messages"] as JsonArray ?? [])
        {
            switch (message?["content"])
            {
                case JsonValue v when v.TryGetValue<string>(out var text):
                    texts.Add(text);
                    break;
                case JsonArray parts:
                    texts.AddRange(parts.Select(p => p?["text"]?.GetValue<string>()).OfType<string>());
                    break;
            }
            foreach (var call in message?["tool_calls"] as JsonArray ?? [])
                if (call?["function"]?["arguments"]?.GetValue<string>() is { } arguments)
                    texts.Add(JsonNode.Parse(arguments)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }
        return string.Join("\n", texts);
    }

    /// <summary>Answers <paramref name="text"/> whole, or streamed three characters at a time.</summary>
    private static async Task EchoAnswer(HttpContext http, bool chat, bool stream, string text)
    {
        if (!stream)
        {
            http.Response.ContentType = "application/json";
            var whole = Whole(chat);
            if (chat) whole["choices"]![0]!["message"]!["content"] = text;
            else whole["choices"]![0]!["text"] = text;
            await http.Response.WriteAsync(whole.ToJsonString());
            return;
        }
        http.Response.ContentType = "text/event-stream";
        for (var i = 0; i < text.Length; i += 3) await Event(http, Chunk(chat, text.Substring(i, Math.Min(3, text.Length - i)), null));
        await Finish(http, Chunk(chat, "", "stop"), chat);
    }

    /// <summary>Answers a call of <see cref="EchoTool"/>, whole or with its arguments streamed four characters at a time.</summary>
    private static async Task EchoToolCall(HttpContext http, bool stream, string arguments)
    {
        if (!stream)
        {
            http.Response.ContentType = "application/json";
            var whole = Whole(chat: true);
            whole["choices"]![0]!["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call_1",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = EchoTool, ["arguments"] = arguments },
                }),
            };
            whole["choices"]![0]!["finish_reason"] = "tool_calls";
            await http.Response.WriteAsync(whole.ToJsonString());
            return;
        }
        http.Response.ContentType = "text/event-stream";
        JsonObject Call(JsonObject call)
        {
            var chunk = Chunk(chat: true, "", null);
            chunk["choices"]![0]!["delta"] = new JsonObject { ["tool_calls"] = new JsonArray(call) };
            return chunk;
        }
        await Event(http, Call(new JsonObject
        {
            ["index"] = 0,
            ["id"] = "call_1",
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = EchoTool, ["arguments"] = "" },
        }));
        for (var i = 0; i < arguments.Length; i += 4)
            await Event(http, Call(new JsonObject
            {
                ["index"] = 0,
                ["function"] = new JsonObject { ["arguments"] = arguments.Substring(i, Math.Min(4, arguments.Length - i)) },
            }));
        await Finish(http, Chunk(chat: true, "", "tool_calls"), chat: true);
    }

    /// <summary>The finishing chunk, the usage chunk and [DONE].</summary>
    private static async Task Finish(HttpContext http, JsonObject finish, bool chat)
    {
        await Event(http, finish);
        var usage = Chunk(chat, "", null);
        usage["choices"] = new JsonArray();
        usage["usage"] = Usage();
        await Event(http, usage);
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    [GeneratedRegex(@"<[A-Z][A-Z_]*_[0-9]+>")]
    private static partial Regex Placeholder();

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

/// <summary>One request a slot received: its body as sent, and its texts (contents, prompt, tool-call arguments) decoded.</summary>
public sealed record ReceivedRequest(string Body, string Text);
