using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.OpenAI.OpenAiHttp;

namespace Takase.Server.Tests.OpenAI;

[Collection("server")]
public class ChatCompletionsTests(LiveServer server)
{
    private static readonly object[] Story = [new { role = "user", content = "Once upon a time" }];

    private static readonly object WeatherTool = new
    {
        type = "function",
        function = new
        {
            name = "get_weather",
            description = "Current weather in a city",
            parameters = new { type = "object", properties = new { city = new { type = "string" } }, required = new[] { "city" } },
        },
    };

    private static readonly object TimeTool = new
    {
        type = "function",
        function = new { name = "get_time", description = "The time now", parameters = new { type = "object", properties = new { } } },
    };

    [Fact]
    public async Task AnswerIsAChatCompletionObject()
    {
        server.RequireModels();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (status, body) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 12 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.InRange(body.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("stories260K:latest", body.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("system_fingerprint").GetString()));
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.False(message.TryGetProperty("tool_calls", out _));
        // No chat template: the message is continued as plain text, greedily, as llama.cpp does.
        var content = message.GetProperty("content").GetString()!;
        Assert.NotEmpty(content);
        Assert.StartsWith(content, StoriesGreedy);
        var usage = body.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 12, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task StreamIsFramedAsOpenAiServerSentEvents()
    {
        server.RequireModels();
        var request = new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 10 };
        var (_, whole) = await PostAsync(server.Http, "v1/chat/completions", request);
        var events = await StreamAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 10, stream = true, stream_options = new { include_usage = true } });

        var id = events[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id);
        foreach (var e in events)
        {
            Assert.Equal(id, e.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString());
            Assert.Equal(events[0].GetProperty("created").GetInt64(), e.GetProperty("created").GetInt64());
            Assert.Equal("stories260K:latest", e.GetProperty("model").GetString());
        }
        // First the role, then content deltas, then the finish reason, then (include_usage) the usage alone.
        var first = Assert.Single(events[0].GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", first.GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("finish_reason").ValueKind);
        var finish = Assert.Single(events[^2].GetProperty("choices").EnumerateArray());
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(events[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(whole.GetProperty("usage").ToString(), events[^1].GetProperty("usage").ToString());
        foreach (var e in events[..^1]) Assert.False(e.TryGetProperty("usage", out _));

        var streamed = new StringBuilder();
        foreach (var e in events[1..^2])
        {
            var c = Assert.Single(e.GetProperty("choices").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind);
            Assert.False(c.GetProperty("delta").TryGetProperty("role", out _));
            streamed.Append(c.GetProperty("delta").GetProperty("content").GetString());
        }
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), streamed.ToString());
    }

    [Fact]
    public async Task StreamWithoutIncludeUsageEndsWithTheFinishReason()
    {
        server.RequireModels();
        var events = await StreamAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, max_tokens = 3, stream = true });
        Assert.Equal("length", events[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(events, e => Assert.False(e.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task NChoicesAreGeneratedAndCountedTogether()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 6, n = 2 });
        Assert.Equal(HttpStatusCode.OK, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        // Greedy: both choices are the same text.
        Assert.Equal(choices[0].GetProperty("message").GetProperty("content").GetString(), choices[1].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var events = await StreamAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, max_tokens = 4, n = 2, seed = 5, stream = true });
        var finished = events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Where(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
            .Select(c => c.GetProperty("index").GetInt32()).Order();
        Assert.Equal([0, 1], finished);
    }

    [Fact]
    public async Task SeedMakesSamplingReproducible()
    {
        server.RequireModels();
        var request = new { model = "stories260K", messages = Story, temperature = 1.0, max_tokens = 24, seed = 1234 };
        var (_, a) = await PostAsync(server.Http, "v1/chat/completions", request);
        var (_, b) = await PostAsync(server.Http, "v1/chat/completions", request);
        Assert.Equal(a.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            b.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task LogprobsHaveOpenAisShape()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 6, logprobs = true, top_logprobs = 3 });
        Assert.Equal(HttpStatusCode.OK, status);
        var choice = body.GetProperty("choices")[0];
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(6, tokens.Count);
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), string.Concat(tokens.Select(t => t.GetProperty("token").GetString())));
        foreach (var t in tokens)
        {
            var token = t.GetProperty("token").GetString()!;
            Assert.Equal(Encoding.UTF8.GetBytes(token), t.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()));
            var logprob = t.GetProperty("logprob").GetSingle();
            Assert.InRange(logprob, float.MinValue, 0f);
            var top = t.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(3, top.Count);
            var values = top.Select(x => x.GetProperty("logprob").GetSingle()).ToList();
            Assert.Equal(values.OrderDescending(), values);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(token, top[0].GetProperty("token").GetString());
            Assert.Equal(logprob, values[0], 1e-5f);
            Assert.All(top, x => Assert.True(x.TryGetProperty("bytes", out _)));
        }

        var events = await StreamAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 6, logprobs = true, stream = true });
        var streamed = events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object)
            .SelectMany(c => c.GetProperty("logprobs").GetProperty("content").EnumerateArray()).ToList();
        Assert.Equal(tokens.Select(t => t.GetProperty("token").GetString()), streamed.Select(t => t.GetProperty("token").GetString()));
        Assert.All(streamed, t => Assert.Empty(t.GetProperty("top_logprobs").EnumerateArray()));
    }

    [Fact]
    public async Task StopStringsEndTheAnswer()
    {
        server.RequireModels();
        var (_, body) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 40, stop = new[] { " girl", "never" } });
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(StoriesGreedy[..StoriesGreedy.IndexOf(" girl", StringComparison.Ordinal)], choice.GetProperty("message").GetProperty("content").GetString());
        var (_, single) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 40, stop = " little" });
        Assert.Equal(", there was a", single.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task LogitBiasSteersTheChoice()
    {
        server.RequireModels();
        var (_, plain) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 1, logprobs = true, top_logprobs = 2 });
        var top = plain.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content")[0].GetProperty("top_logprobs");
        // Ban the greedy token (its ids from the model's own tokenizer): the answer becomes the runner-up.
        using var model = Takase.Engine.LanguageModel.Load(Takase.Tests.Support.SharedData.Path("models/stories260K.gguf"));
        var text = top[0].GetProperty("token").GetString();
        var ban = Enumerable.Range(0, model.Tokenizer.VocabSize).Where(id => model.Tokenizer.Decode([id]) == text).ToDictionary(id => id.ToString(), _ => -100);
        Assert.NotEmpty(ban);
        var (_, biased) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 1, logit_bias = ban });
        Assert.Equal(top[1].GetProperty("token").GetString(), biased.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task ToolsReachTheChatTemplate()
    {
        server.RequireModels();
        async Task<int> PromptTokens(object request)
        {
            var (status, body) = await PostAsync(server.Http, "v1/chat/completions", request);
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            return body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        }
        object[] messages = [new { role = "user", content = "What is the weather in Paris?" }];
        var plain = await PromptTokens(new { model = "tiny-chat", messages, max_tokens = 1 });
        var one = await PromptTokens(new { model = "tiny-chat", messages, max_tokens = 1, tools = new[] { WeatherTool } });
        var two = await PromptTokens(new { model = "tiny-chat", messages, max_tokens = 1, tools = new[] { WeatherTool, TimeTool } });
        var none = await PromptTokens(new { model = "tiny-chat", messages, max_tokens = 1, tools = new[] { WeatherTool, TimeTool }, tool_choice = "none" });
        var named = await PromptTokens(new
        {
            model = "tiny-chat",
            messages,
            max_tokens = 1,
            tools = new[] { WeatherTool, TimeTool },
            tool_choice = new { type = "function", function = new { name = "get_weather" } },
        });
        Assert.True(one > plain, $"the tool should be rendered into the prompt ({one} vs {plain} tokens)");
        Assert.True(two > one);
        Assert.Equal(plain, none);
        Assert.Equal(one, named);
    }

    [Fact]
    public async Task ToolCallsAndResultsAreRenderedInTheConversation()
    {
        server.RequireModels();
        object[] asked = [new { role = "user", content = "What is the weather in Paris?" }];
        object[] answered =
        [
            new { role = "user", content = "What is the weather in Paris?" },
            new
            {
                role = "assistant", content = (string?)null,
                tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = "{\"city\":\"Paris\"}" } } },
            },
            new { role = "tool", tool_call_id = "call_1", content = "{\"temperature\": 21, \"sky\": \"clear\"}" },
        ];
        var (s1, before) = await PostAsync(server.Http, "v1/chat/completions", new { model = "tiny-chat", messages = asked, tools = new[] { WeatherTool }, max_tokens = 1 });
        var (s2, after) = await PostAsync(server.Http, "v1/chat/completions", new { model = "tiny-chat", messages = answered, tools = new[] { WeatherTool }, max_tokens = 1 });
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.True(s2 == HttpStatusCode.OK, after.ToString());
        // The call and its result are in the prompt: far more than the turn markers alone.
        Assert.True(after.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > before.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + 15);

        var (bad, error) = await PostAsync(server.Http, "v1/chat/completions", new
        {
            model = "tiny-chat",
            max_tokens = 1,
            messages = new object[] { new { role = "assistant", tool_calls = new[] { new { id = "c", type = "function", function = new { name = "f", arguments = "{not json" } } } } },
        });
        AssertError(HttpStatusCode.BadRequest, "messages[0].tool_calls[0].function.arguments", (bad, error));
    }

    [Fact]
    public async Task ContentPartsAreJoinedAndImagesRefused()
    {
        server.RequireModels();
        var parts = new object[] { new { type = "text", text = "Once upon" }, new { type = "text", text = " a time" } };
        var (_, joined) = await PostAsync(server.Http, "v1/chat/completions",
            new { model = "stories260K", messages = new[] { new { role = "user", content = parts } }, temperature = 0, max_tokens = 5 });
        var (_, plain) = await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, temperature = 0, max_tokens = 5 });
        Assert.Equal(plain.GetProperty("choices")[0].GetProperty("message").ToString(), joined.GetProperty("choices")[0].GetProperty("message").ToString());

        var image = new object[] { new { type = "text", text = "What is this?" }, new { type = "image_url", image_url = new { url = "data:image/png;base64,AAAA" } } };
        var refused = await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = new[] { new { role = "user", content = image } } });
        AssertError(HttpStatusCode.BadRequest, "messages[0].content[1]", refused);
        Assert.Contains("images are not supported", refused.Body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ResponseFormatIsParsedIntoAnOutputFormat()
    {
        server.RequireModels();
        // json_schema: a bounded schema completes within the limit and must parse and validate.
        var schema = new { type = "object", properties = new { a = new { type = "integer", minimum = 0, maximum = 9 } }, required = new[] { "a" }, additionalProperties = false };
        var constrained = await PostAsync(server.Http, "v1/chat/completions", new
        {
            model = "stories260K",
            messages = Story,
            max_tokens = 64,
            seed = 1,
            response_format = new { type = "json_schema", json_schema = new { name = "answer", strict = true, schema } },
        });
        Assert.Equal(HttpStatusCode.OK, constrained.Status);
        var choice = constrained.Body.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        using (var doc = JsonDocument.Parse(choice.GetProperty("message").GetProperty("content").GetString()!))
            Assert.InRange(doc.RootElement.GetProperty("a").GetInt32(), 0, 9);

        // json_object: any object; the story model may run past a short limit, but what it wrote is an object's start.
        var json = await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, max_tokens = 8, response_format = new { type = "json_object" } });
        Assert.Equal(HttpStatusCode.OK, json.Status);
        Assert.StartsWith("{", json.Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!.TrimStart());

        // A schema the grammar engine cannot honour is a 400 naming response_format.
        var bad = await PostAsync(server.Http, "v1/chat/completions", new
        {
            model = "stories260K",
            messages = Story,
            response_format = new { type = "json_schema", json_schema = new { name = "x", schema = new { type = "string", @if = new { type = "string" } } } },
        });
        AssertError(HttpStatusCode.BadRequest, "response_format", bad);

        var (ok, text) = await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, max_tokens = 2, response_format = new { type = "text" } });
        Assert.True(ok == HttpStatusCode.OK, text.ToString());
        AssertError(HttpStatusCode.BadRequest, "response_format.type",
            await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, response_format = new { type = "yaml" } }));
        AssertError(HttpStatusCode.BadRequest, "response_format.json_schema",
            await PostAsync(server.Http, "v1/chat/completions", new { model = "stories260K", messages = Story, response_format = new { type = "json_schema" } }));
    }

    [Fact]
    public async Task RolesMapOntoTheTemplate()
    {
        server.RequireModels();
        // "developer" is OpenAI's newer name for system instructions; templates know it as "system".
        var (s1, developer) = await PostAsync(server.Http, "v1/chat/completions", new
        {
            model = "tiny-chat",
            max_tokens = 1,
            messages = new[] { new { role = "developer", content = "Be brief." }, new { role = "user", content = "Hi" } },
        });
        var (s2, system) = await PostAsync(server.Http, "v1/chat/completions", new
        {
            model = "tiny-chat",
            max_tokens = 1,
            messages = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Hi" } },
        });
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.Equal(HttpStatusCode.OK, s2);
        Assert.Equal(system.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), developer.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }
}
