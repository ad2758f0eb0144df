using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using Takase.Routing.Configuration;
using Takase.Server.Hosting;
using Takase.Server.Tests.Ollama;
using Takase.Server.Tests.OpenAI;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// The profile "private" end to end: its remote target (a fake provider that echoes the placeholders it receives,
/// streamed a few characters at a time) gets placeholders, never the originals; the client gets the originals back —
/// streamed or whole, in text and in tool-call arguments, through both APIs; blocked data is a 400 naming types only;
/// local-only data goes to the local model with the reason in the explanation; logs never hold a redacted value.
/// </summary>
[Collection("routed")]
public sealed class PrivacyRoutingTests(RoutedServer server)
{
    private const string Email = "jane.doe@example.com";
    private const string Phone = "090-1234-5678";
    private static readonly string Prompt = $"Please email {Email} or call {Phone} about the invoice.";
    private static readonly string Restored = FakeProvider.EchoText([Email, Phone]);
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OllamaChatSendsPlaceholdersToTheProviderAndRestoresTheAnswer()
    {
        var before = Received.Count;
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "private", messages = User(Prompt), stream = false });

        var sent = ReceivedSince(before);
        Assert.Contains("<EMAIL_1>", sent.Text);
        Assert.Contains("<PHONE_1>", sent.Text);
        AssertHoldsNoOriginal(sent.Body);
        Assert.Equal(Restored, body.GetProperty("message").GetProperty("content").GetString());

        var takase = body.GetProperty("takase");
        Assert.Equal("remote-echo", takase.GetProperty("answered_by").GetString());
        var privacy = takase.GetProperty("privacy");
        Assert.Equal([("EMAIL", 1, "redact"), ("PHONE", 1, "redact")], Entities(privacy));
        Assert.False(privacy.GetProperty("local_only").GetBoolean());
        AssertHoldsNoOriginal(takase.GetRawText());
        AssertHoldsNoOriginal(await GetTextAsync($"/api/routes/{takase.GetProperty("id").GetString()}"));
    }

    [Fact]
    public async Task OllamaStreamRestoresPlaceholdersSplitAcrossTheProvidersPieces()
    {
        // The provider streams three characters at a time: "Noted: <EMAIL_1> …" reaches Takase as " <E", "MAI", "L_1", ">…".
        var lines = await Ndjson.StreamAsync(server.Http, "/api/chat", new { model = "private", messages = User(Prompt) });

        var pieces = lines.Select(l => l.GetProperty("message").GetProperty("content").GetString()!).ToList();
        Assert.Equal(Restored, string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('<') || p.Contains('>')); // no half placeholder reached the client
        Assert.True(pieces.Count(p => p.Length > 0) > 5, "the answer is streamed in many pieces");
        Assert.Equal("redact", Entities(lines[^1].GetProperty("takase").GetProperty("privacy"))[0].Action);
    }

    [Fact]
    public async Task OpenAiStreamAndWholeAnswersHaveTheOriginalsBack()
    {
        var before = Received.Count;
        var events = await OpenAiHttp.StreamAsync(server.Http, "/v1/chat/completions", new { model = "private", messages = User(Prompt), stream = true });
        var streamed = string.Concat(events.Where(e => e.GetProperty("choices").GetArrayLength() > 0)
            .Select(e => e.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : ""));
        Assert.Equal(Restored, streamed);
        Assert.Equal([("EMAIL", 1, "redact"), ("PHONE", 1, "redact")], Entities(events[^1].GetProperty("takase").GetProperty("privacy")));

        var client = new ChatClient("private", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });
        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage(Prompt)], cancellationToken: Cancel);
        Assert.Equal(Restored, whole.Content[0].Text);

        // Each request reached the provider with placeholders only.
        var sent = Received.Skip(before).ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, s => AssertHoldsNoOriginal(s.Body));
        Assert.All(sent, s => Assert.Contains("<EMAIL_1>", s.Text));
    }

    [Fact]
    public async Task TextCompletionsAreRedactedAndRestoredToo()
    {
        var before = Received.Count;
        var ollama = await Ndjson.PostOkAsync(server.Http, "/api/generate", new { model = "private", prompt = Prompt, stream = false });
        Assert.Equal(Restored, ollama.GetProperty("response").GetString());

        var events = await OpenAiHttp.StreamAsync(server.Http, "/v1/completions", new { model = "private", prompt = Prompt, stream = true });
        Assert.Equal(Restored, string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString())));

        Assert.All(Received.Skip(before), s => AssertHoldsNoOriginal(s.Body));
    }

    public static TheoryData<string, bool> ToolCallApis => new() { { "ollama", false }, { "ollama", true }, { "openai", false }, { "openai", true } };

    [Theory]
    [MemberData(nameof(ToolCallApis))]
    public async Task ToolCallArgumentsAreRedactedOnTheWayOutAndRestoredOnTheWayBack(string api, bool stream)
    {
        var before = Received.Count;
        var arguments = api == "ollama" ? await OllamaToolCallAsync(stream) : await OpenAiToolCallAsync(stream);

        // The earlier turn's tool-call arguments went out redacted too.
        var sent = ReceivedSince(before);
        AssertHoldsNoOriginal(sent.Body);
        AssertHoldsNoOriginal(sent.Text);
        Assert.Contains("\"to\":\"<EMAIL_1>\"", sent.Text);
        // The provider called the tool with placeholders, streamed four characters at a time; the client gets the values.
        Assert.True(JsonNode.DeepEquals(FakeProvider.EchoArguments([Email, Phone]), arguments), $"arguments: {arguments.ToJsonString()}");
    }

    [Fact]
    public async Task BlockedDataIsRefusedWith400NamingTheTypeOnly()
    {
        const string myNumber = "6214 9832 0257";
        var prompt = $"マイナンバーは{myNumber}です。登録をお願いします。";
        var before = Received.Count;

        var (status, body) = await Ndjson.PostAsync(server.Http, "/api/chat", new { model = "private", messages = User(prompt), stream = false });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("MY_NUMBER", body.GetProperty("error").GetString());
        Assert.DoesNotContain("6214", body.GetRawText());

        var (genStatus, genBody) = await Ndjson.PostAsync(server.Http, "/api/generate", new { model = "private", prompt, stream = false });
        Assert.Equal(HttpStatusCode.BadRequest, genStatus);
        Assert.Contains("MY_NUMBER", genBody.GetProperty("error").GetString());

        var chat = await OpenAiHttp.PostAsync(server.Http, "/v1/chat/completions", new { model = "private", messages = User(prompt), stream = true });
        OpenAiHttp.AssertError(HttpStatusCode.BadRequest, "messages", chat);
        Assert.Equal("pii_blocked", chat.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("MY_NUMBER", chat.Body.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain("6214", chat.Body.GetRawText());

        var completion = await OpenAiHttp.PostAsync(server.Http, "/v1/completions", new { model = "private", prompt });
        OpenAiHttp.AssertError(HttpStatusCode.BadRequest, "prompt", completion);

        Assert.Equal(before, Received.Count); // nothing left the machine
    }

    [Fact]
    public async Task LocalOnlyDataGoesToTheLocalTargetWithTheReasonInTheExplanation()
    {
        server.RequireModels();
        var before = Received.Count;
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new
        {
            model = "private",
            messages = User("Charge my card 4532 0151 1283 0366 for the tickets."),
            stream = false,
            options = new { temperature = 0, num_predict = 8 },
        });

        var takase = body.GetProperty("takase");
        Assert.Equal("local", takase.GetProperty("answered_by").GetString());
        Assert.Contains("remote-echo excluded: the prompt contains CREDIT_CARD (local-only)", takase.GetProperty("reason").GetString());
        var remote = takase.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("target").GetString() == "remote-echo");
        Assert.Equal("the prompt contains CREDIT_CARD (local-only)", remote.GetProperty("excluded_because").GetString());
        Assert.True(takase.GetProperty("privacy").GetProperty("local_only").GetBoolean());
        Assert.Equal([("CREDIT_CARD", 1, "local_only")], Entities(takase.GetProperty("privacy")));
        Assert.DoesNotContain("0366", takase.GetRawText());
        Assert.Equal(before, Received.Count);
    }

    [Fact]
    public async Task JapanesePersonalDataIsRedactedForTheProviderAndRestoredForTheClient()
    {
        const string name = "田中太郎", postal = "100-0001", address = "東京都千代田区千代田1-1", phone = "03-1234-5678";
        var prompt = $"{name}様の住所は〒{postal} {address}です。電話は{phone}です。";
        var before = Received.Count;

        var lines = await Ndjson.StreamAsync(server.Http, "/api/chat", new { model = "private", messages = User(prompt) });

        var sent = ReceivedSince(before);
        Assert.Equal("<PERSON_1>様の住所は〒<POSTAL_CODE_1> <ADDRESS_1>です。電話は<PHONE_1>です。", sent.Text);
        Assert.Equal(FakeProvider.EchoText([name, postal, address, phone]),
            string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        Assert.Equal([("PHONE", 1, "redact"), ("POSTAL_CODE", 1, "redact"), ("PERSON", 1, "redact"), ("ADDRESS", 1, "redact")],
            Entities(lines[^1].GetProperty("takase").GetProperty("privacy")));
    }

    [Fact]
    public async Task MaskedDataReachesTheProviderMaskedForGood()
    {
        var before = Received.Count;
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "private", messages = User("Why is 203.0.113.45 blocked?"), stream = false });

        Assert.Equal("Why is ***.*.***.** blocked?", ReceivedSince(before).Text);
        Assert.Equal([("IP_ADDRESS", 1, "mask")], Entities(body.GetProperty("takase").GetProperty("privacy")));
    }

    [Fact]
    public async Task LocalTargetsGetTheOriginalUnlessThePolicyRedactsLocalToo()
    {
        server.RequireModels();
        // The prompt the local model read, told by its token count (from empty caches, so every token is evaluated):
        // "private-local" (RedactLocal) sends the model what "auto-local" (no policy) sends when the client itself
        // writes the placeholder.
        async Task<int> PromptTokens(string profile, string prompt)
        {
            await Ndjson.UnloadAsync(server.Http, "stories260K");
            var body = await Ndjson.PostOkAsync(server.Http, "/api/generate", new { model = profile, prompt, raw = true, stream = false, options = new { num_predict = 1 } });
            return body.GetProperty("prompt_eval_count").GetInt32();
        }

        var redacted = await PromptTokens("private-local", $"Mail {Email} today");
        Assert.Equal(await PromptTokens("auto-local", "Mail <EMAIL_1> today"), redacted);
        Assert.NotEqual(await PromptTokens("auto-local", $"Mail {Email} today"), redacted);
    }

    [Fact]
    public async Task TheLogsNeverHoldARedactedValue()
    {
        var mark = server.Logs.Count;
        await Ndjson.StreamAsync(server.Http, "/api/chat", new { model = "private", messages = User(Prompt) });
        await OpenAiHttp.StreamAsync(server.Http, "/v1/chat/completions", new { model = "private", messages = User(Prompt), stream = true });
        await Ndjson.PostAsync(server.Http, "/api/chat", new { model = "private", messages = User($"{Prompt} マイナンバーは6214 9832 0257"), stream = false });

        var lines = server.Logs.Since(mark);
        Assert.Contains(lines, l => l.Contains("/api/chat", StringComparison.Ordinal)); // the capture sees these requests
        Assert.Contains(lines, l => l.Contains("/v1/chat/completions", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Email, StringComparison.Ordinal) || l.Contains(Phone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("6214", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--Takase:Router:Profiles:private:Privacy:Entities:SSN=Block", "Takase:Router:Profiles:private:Privacy:Entities:SSN")]
    [InlineData("--Takase:Router:Profiles:private:Privacy:Entities:EMAIL=Hide", "Takase:Router:Profiles:private:Privacy:Entities:EMAIL")]
    [InlineData("--Takase:Router:Profiles:private:Privacy:Language=fr", "Takase:Router:Profiles:private:Privacy:Language")]
    public void AnInvalidPrivacyPolicyFailsStartNamingTheKey(string bad, string key)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<RouterConfigurationException>(() => TakaseServer.Build([.. RoutedServer.RouterArguments(server.Provider), bad], o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = dir.Path;
        }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public async Task TheAdminApiShowsAndValidatesPolicies()
    {
        var profiles = JsonDocument.Parse(await GetTextAsync("/api/router/profiles")).RootElement;
        var entities = profiles.GetProperty("profiles").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "private")
            .GetProperty("privacy").GetProperty("entities");
        Assert.Equal("Block", entities.GetProperty("MY_NUMBER").GetString());

        using var content = new StringContent("""{"candidates": ["local"], "privacy": {"entities": {"SSN": "Block"}}}""", Encoding.UTF8, "application/json");
        using var bad = await server.Http.PutAsync("/api/router/profiles/private-bad", content, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Takase:Router:Profiles:private-bad:Privacy:Entities:SSN", await bad.Content.ReadAsStringAsync(Cancel));
    }

    private IReadOnlyList<ReceivedRequest> Received => server.Provider.Received(RoutedServer.PrivateSlot);

    private ReceivedRequest ReceivedSince(int before) => Assert.Single(Received.Skip(before));

    private static object[] User(string text) => [new { role = "user", content = text }];

    private static void AssertHoldsNoOriginal(string text)
    {
        Assert.DoesNotContain(Email, text);
        Assert.DoesNotContain("1234-5678", text);
    }

    private static List<(string Type, int Count, string Action)> Entities(JsonElement privacy) =>
        [.. privacy.GetProperty("entities").EnumerateArray()
            .Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("count").GetInt32(), e.GetProperty("action").GetString()!))];

    private static readonly object[] Tools =
    [
        new
        {
            type = "function",
            function = new
            {
                name = FakeProvider.EchoTool,
                description = "Sends a mail.",
                parameters = new { type = "object", properties = new { to = new { type = "string" }, note = new { type = "string" } }, required = new[] { "to" } },
            },
        },
    ];

    private static readonly string Ask = $"Send the report to {Email}.";
    private static readonly string Retry = $"It bounced; try again and mention {Phone}.";

    private async Task<JsonNode> OllamaToolCallAsync(bool stream)
    {
        object[] messages =
        [
            new { role = "user", content = Ask },
            new { role = "assistant", content = "", tool_calls = new[] { new { function = new { name = FakeProvider.EchoTool, arguments = new { to = Email } } } } },
            new { role = "tool", content = "bounced" },
            new { role = "user", content = Retry },
        ];
        var request = new { model = "private", messages, tools = Tools, stream };
        var lines = stream ? await Ndjson.StreamAsync(server.Http, "/api/chat", request) : [await Ndjson.PostOkAsync(server.Http, "/api/chat", request)];
        var call = lines.Select(l => l.GetProperty("message")).Single(m => m.TryGetProperty("tool_calls", out _)).GetProperty("tool_calls")[0];
        return JsonNode.Parse(call.GetProperty("function").GetProperty("arguments").GetRawText())!;
    }

    private async Task<JsonNode> OpenAiToolCallAsync(bool stream)
    {
        object[] messages =
        [
            new { role = "user", content = Ask },
            new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new[] { new { id = "call_0", type = "function", function = new { name = FakeProvider.EchoTool, arguments = JsonSerializer.Serialize(new { to = Email }) } } },
            },
            new { role = "tool", tool_call_id = "call_0", content = "bounced" },
            new { role = "user", content = Retry },
        ];
        var request = new { model = "private", messages, tools = Tools, stream };
        JsonElement function;
        if (stream)
        {
            var events = await OpenAiHttp.StreamAsync(server.Http, "/v1/chat/completions", request);
            function = events.Where(e => e.GetProperty("choices").GetArrayLength() > 0).Select(e => e.GetProperty("choices")[0].GetProperty("delta"))
                .Single(d => d.TryGetProperty("tool_calls", out _)).GetProperty("tool_calls")[0].GetProperty("function");
        }
        else
        {
            var (status, body) = await OpenAiHttp.PostAsync(server.Http, "/v1/chat/completions", request);
            Assert.True(status == HttpStatusCode.OK, body.GetRawText());
            function = body.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        }
        Assert.Equal(FakeProvider.EchoTool, function.GetProperty("name").GetString());
        return JsonNode.Parse(function.GetProperty("arguments").GetString()!)!;
    }

    private async Task<string> GetTextAsync(string path)
    {
        using var response = await server.Http.GetAsync(path, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return text;
    }
}
