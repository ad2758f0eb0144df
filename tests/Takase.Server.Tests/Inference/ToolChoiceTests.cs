using System.Net.Http.Json;
using System.Text.Json;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests.Inference;

/// <summary>
/// tool_choice is honoured, not ignored: "required" or a named function forces a call whose arguments follow the
/// tool's schema, even from a model whose free output is noise.
/// </summary>
[Collection("server")]
public class ToolChoiceTests(LiveServer server)
{
    private static readonly object[] Tools =
    [
        new { type = "function", function = new { name = "get_weather", description = "Weather of a city",
            parameters = new { type = "object", properties = new { city = new { type = "string", @enum = new[] { "Tokyo", "大阪" } } }, required = new[] { "city" } } } },
        new { type = "function", function = new { name = "get_time", description = "Current time",
            parameters = new { type = "object", properties = new { utc = new { type = "boolean" } }, required = new[] { "utc" } } } },
    ];

    private async Task<JsonElement> Ask(object toolChoice, long seed)
    {
        var response = await server.Http.PostAsJsonAsync("v1/chat/completions", new
        {
            model = "tiny-chat",
            messages = new[] { new { role = "user", content = "天気は？" } },
            tools = Tools,
            tool_choice = toolChoice,
            max_tokens = 120,
            seed,
        }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].Clone();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RequiredForcesAValidCall(long seed)
    {
        server.RequireModels();
        var choice = await Ask("required", seed);
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        var name = call.GetProperty("name").GetString();
        using var args = JsonDocument.Parse(call.GetProperty("arguments").GetString()!);
        if (name == "get_weather") Assert.Contains(args.RootElement.GetProperty("city").GetString(), new[] { "Tokyo", "大阪" });
        else
        {
            Assert.Equal("get_time", name);
            Assert.True(args.RootElement.GetProperty("utc").ValueKind is JsonValueKind.True or JsonValueKind.False);
        }
    }

    [Fact]
    public async Task ANamedFunctionIsTheOneCalled()
    {
        server.RequireModels();
        var choice = await Ask(new { type = "function", function = new { name = "get_time" } }, 4);
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("get_time", call.GetProperty("name").GetString());
        using var args = JsonDocument.Parse(call.GetProperty("arguments").GetString()!);
        Assert.True(args.RootElement.GetProperty("utc").ValueKind is JsonValueKind.True or JsonValueKind.False);
    }

    [Fact]
    public async Task NoneHidesTheTools()
    {
        server.RequireModels();
        var with = await server.Http.PostAsJsonAsync("v1/chat/completions", new { model = "tiny-chat", messages = new[] { new { role = "user", content = "hi" } }, tools = Tools, max_tokens = 1 }, TestContext.Current.CancellationToken);
        var without = await server.Http.PostAsJsonAsync("v1/chat/completions", new { model = "tiny-chat", messages = new[] { new { role = "user", content = "hi" } }, tools = Tools, tool_choice = "none", max_tokens = 1 }, TestContext.Current.CancellationToken);
        static async Task<int> PromptTokens(HttpResponseMessage r) =>
            JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.True(await PromptTokens(without) < await PromptTokens(with));
    }

    [Fact]
    public async Task OllamaChatHonoursToolChoiceToo()
    {
        server.RequireModels();
        var response = await server.Http.PostAsJsonAsync("api/chat", new
        {
            model = "tiny-chat",
            messages = new[] { new { role = "user", content = "天気は？" } },
            tools = Tools,
            tool_choice = new { type = "function", function = new { name = "get_weather" } },
            stream = false,
            options = new { num_predict = 120, seed = 7 },
        }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        var call = JsonDocument.Parse(body).RootElement.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Contains(call.GetProperty("arguments").GetProperty("city").GetString(), new[] { "Tokyo", "大阪" });

        var bad = await server.Http.PostAsJsonAsync("api/chat", new { model = "tiny-chat", messages = new[] { new { role = "user", content = "x" } }, tools = Tools, tool_choice = "sometimes" }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("tool_choice", await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
