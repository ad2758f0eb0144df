using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine;
using Takase.Engine.Templates;
using Takase.Server.Ollama;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

[Collection("server")]
public class ChatTests(LiveServer server)
{
    private const string Model = "tiny-chat";
    private static readonly object Short = new { temperature = 0, num_predict = 4 };
    private static readonly Lazy<LanguageModel> Reference = new(() => LanguageModel.Load(TinyChatModel.Path));

    private static readonly JsonObject WeatherTool = JsonNode.Parse("""
        {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}, "required": ["city"]}}}
        """)!.AsObject();

    [Fact]
    public async Task PromptEvalCountIsTheRenderedTemplatesTokenCountAndAFollowUpReusesTheCache()
    {
        server.RequireModels();
        await UnloadAsync(server.Http, Model); // empty caches: nothing from earlier tests is reused
        var question = $"What is the capital of France? ({Guid.NewGuid():N})";
        var first = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages = new[] { new { role = "user", content = question } }, stream = false, options = Short });

        var expected = Reference.Value.TokenizeChat([new ChatMessage("user", question)]).Length;
        Assert.Equal(expected, first.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal("assistant", first.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(4, first.GetProperty("eval_count").GetInt32());

        var reply = first.GetProperty("message").GetProperty("content").GetString()!;
        ChatMessage[] turns = [new("user", question), new("assistant", reply), new("user", "And of Italy?")];
        var second = await PostOkAsync(server.Http, "/api/chat", new
        {
            model = Model,
            messages = turns.Select(t => new { role = t.Role, content = t.Content }),
            stream = false,
            options = Short,
        });
        var full = Reference.Value.TokenizeChat(turns).Length;
        var evaluated = second.GetProperty("prompt_eval_count").GetInt32();
        // The first turn's prompt is already in the slot's cache; only the rest is evaluated.
        Assert.InRange(evaluated, 1, full - expected + 1);
    }

    [Fact]
    public async Task ToolsInTheRequestReachTheTemplate()
    {
        server.RequireModels();
        var messages = new[] { new { role = "user", content = $"Weather in Paris? ({Guid.NewGuid():N})" } };
        await UnloadAsync(server.Http, Model);
        var withTools = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages, tools = new[] { WeatherTool }, stream = false, options = Short });
        await UnloadAsync(server.Http, Model);
        var without = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages, stream = false, options = Short });

        var rendered = Reference.Value.RenderChat([new ChatMessage("user", messages[0].content)], new ChatRenderOptions { AddGenerationPrompt = true, Tools = [WeatherTool] });
        Assert.Contains("get_weather", rendered);
        Assert.Equal(Reference.Value.TokenizePrompt(rendered, parseSpecial: true).Length, withTools.GetProperty("prompt_eval_count").GetInt32());
        Assert.True(withTools.GetProperty("prompt_eval_count").GetInt32() > without.GetProperty("prompt_eval_count").GetInt32() + 20);
    }

    [Fact]
    public async Task StreamedChatIsNdjsonAndSaysTheSameAsTheWholeAnswer()
    {
        server.RequireModels();
        var request = new { model = Model, messages = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Hello!" } }, options = new { temperature = 0, num_predict = 8 } };
        var lines = await StreamAsync(server.Http, "/api/chat", request);
        var whole = await PostOkAsync(server.Http, "/api/chat", Object(request).Also(o => o["stream"] = false));

        foreach (var chunk in lines[..^1])
        {
            Assert.False(chunk.GetProperty("done").GetBoolean());
            Assert.Equal(["model", "created_at", "message", "done"], chunk.EnumerateObject().Select(p => p.Name));
            Assert.Equal("assistant", chunk.GetProperty("message").GetProperty("role").GetString());
        }
        var final = lines[^1];
        Assert.True(final.GetProperty("done").GetBoolean());
        Assert.Equal("", final.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(["model", "created_at", "message", "done", "done_reason", "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"],
            final.EnumerateObject().Select(p => p.Name));
        Assert.Equal(whole.GetProperty("message").GetProperty("content").GetString(), Text(lines, "content"));
        Assert.Equal(8, final.GetProperty("eval_count").GetInt32());
    }

    [Fact]
    public async Task AToolCallTheModelMakesComesBackAsMessageToolCalls()
    {
        server.RequireModels();
        // The tiny model only makes a call when made to: a schema that admits exactly a call of get_weather forces it.
        var call = JsonNode.Parse("""
            {"type": "object", "required": ["name", "arguments"], "additionalProperties": false,
             "properties": {"name": {"enum": ["get_weather"]},
                            "arguments": {"type": "object", "required": ["city"], "additionalProperties": false,
                                          "properties": {"city": {"enum": ["Paris"]}}}}}
            """);
        var request = new { model = Model, messages = new[] { new { role = "user", content = "Weather in Paris?" } }, tools = new[] { WeatherTool }, format = call, options = new { temperature = 0, num_predict = 100 } };

        var whole = await PostOkAsync(server.Http, "/api/chat", Object(request).Also(o => o["stream"] = false));
        var message = whole.GetProperty("message");
        Assert.Equal("", message.GetProperty("content").GetString());
        var toolCall = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", toolCall.GetProperty("id").GetString());
        Assert.Equal("""{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}""", toolCall.GetProperty("function").GetRawText());

        // Streamed, the calls come in a chunk of their own just before the final one, as Ollama sends them.
        var lines = await StreamAsync(server.Http, "/api/chat", request);
        Assert.Equal("", Text(lines, "content"));
        var callChunk = lines[^2];
        Assert.False(callChunk.GetProperty("done").GetBoolean());
        Assert.Equal("get_weather", callChunk.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.False(lines[^1].GetProperty("message").TryGetProperty("tool_calls", out _));
        Assert.True(lines[^1].GetProperty("done").GetBoolean());
    }

    [Fact]
    public void AToolCallIsWrittenAsOllamaDocumentsIt()
    {
        // The tiny model's answers are noise, so the shape of a tool-call answer is checked on the DTO the endpoint
        // writes, against the example of Ollama's docs/api.md ("Chat request (with tools)"), plus the "index" that
        // api/types.go writes since tool calls got indexes.
        var response = new ChatResponse
        {
            Model = "llama3.2",
            CreatedAt = new DateTime(2024, 7, 22, 20, 33, 28, 123, DateTimeKind.Utc),
            Message = new OllamaMessage
            {
                Role = "assistant",
                Content = "",
                ToolCalls = [new OllamaToolCall { Function = new OllamaToolCallFunction { Name = "get_current_weather", Arguments = JsonNode.Parse("""{"format":"celsius","location":"Paris, FR"}""") } }],
            },
            Done = false,
        };
        Assert.Equal(
            """{"model":"llama3.2","created_at":"2024-07-22T20:33:28.123Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"get_current_weather","arguments":{"format":"celsius","location":"Paris, FR"}}}]},"done":false}""",
            JsonSerializer.Serialize(response, OllamaJson.Options));
    }

    [Fact]
    public async Task AssistantToolCallsAndToolResultsAreRenderedIntoThePrompt()
    {
        server.RequireModels();
        var question = new { role = "user", content = $"Weather in Paris? ({Guid.NewGuid():N})" };
        var call = new { role = "assistant", content = "", tool_calls = new[] { new { function = new { name = "get_weather", arguments = new { city = "Paris" } } } } };
        var result = new { role = "tool", content = "22 degrees and sunny", tool_name = "get_weather" };
        await UnloadAsync(server.Http, Model);
        var answer = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages = new object[] { question, call, result }, tools = new[] { WeatherTool }, stream = false, options = Short });

        var rendered = Reference.Value.RenderChat(
            [new ChatMessage("user", question.content), new ChatMessage("assistant", "") { ToolCalls = [new ChatToolCall("call_1_0", "get_weather", JsonNode.Parse("""{"city":"Paris"}"""))] },
             new ChatMessage("tool", result.content) { Name = "get_weather" }],
            new ChatRenderOptions { AddGenerationPrompt = true, Tools = [WeatherTool] });
        Assert.Contains("22 degrees and sunny", rendered);
        Assert.Contains("\"city\": \"Paris\"", rendered);
        Assert.Equal(Reference.Value.TokenizePrompt(rendered, parseSpecial: true).Length, answer.GetProperty("prompt_eval_count").GetInt32());
    }

    [Fact]
    public async Task EmptyMessagesLoadAndWithKeepAliveZeroUnload()
    {
        server.RequireModels();
        var load = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages = Array.Empty<object>(), stream = false });
        Assert.Equal("load", load.GetProperty("done_reason").GetString());
        Assert.Equal("""{"role":"assistant","content":""}""", load.GetProperty("message").GetRawText());
        var unload = await StreamAsync(server.Http, "/api/chat", new { model = Model, keep_alive = 0 });
        Assert.Equal("unload", Assert.Single(unload).GetProperty("done_reason").GetString());
    }

    [Fact]
    public async Task APromptBeyondTheContextIsA400UnlessTruncationIsAsked()
    {
        server.RequireModels();
        var history = Enumerable.Range(0, 12).Select(i => new { role = i % 2 == 0 ? "user" : "assistant", content = $"Message number {i} talks about the weather in some detail." }).ToArray();
        var (status, body) = await PostAsync(server.Http, "/api/chat", new { model = Model, messages = history, stream = false, options = new { num_ctx = 128, num_predict = 2 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("more than the context window of 128 tokens", body.GetProperty("error").GetString());

        var truncated = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages = history, truncate = true, stream = false, options = new { num_ctx = 128, num_predict = 2 } });
        Assert.InRange(truncated.GetProperty("prompt_eval_count").GetInt32(), 1, 127);
    }

    [Fact]
    public async Task CapabilitiesTheModelLacksAreRefused()
    {
        server.RequireModels();
        var messages = new[] { new { role = "user", content = "hi", images = new[] { "aGVsbG8=" } } };
        var (status, body) = await PostAsync(server.Http, "/api/chat", new { model = Model, messages });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("this model does not support images", body.GetProperty("error").GetString());

        (status, body) = await PostAsync(server.Http, "/api/chat", new { model = Model, messages = new[] { new { role = "user", content = "hi" } }, think = true });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("\"tiny-chat\" does not support thinking", body.GetProperty("error").GetString());

        (status, body) = await PostAsync(server.Http, "/api/chat", new { model = "stories260K", messages = new[] { new { role = "user", content = "hi" } }, tools = new[] { WeatherTool } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("\"stories260K\" does not support tools", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task FormatConstrainsTheAnswerToTheSchemaOrToJson()
    {
        server.RequireModels();
        var schema = JsonNode.Parse("""
            {"type": "object", "properties": {"ok": {"type": "boolean"}, "color": {"enum": ["red", "green"]}},
             "required": ["ok", "color"], "additionalProperties": false}
            """);
        var messages = new[] { new { role = "user", content = "Describe the weather as JSON." } };
        var options = new { temperature = 1, seed = 7, num_predict = 300 };
        var chat = await PostOkAsync(server.Http, "/api/chat", new { model = Model, messages, format = schema, stream = false, options });
        Assert.Equal("stop", chat.GetProperty("done_reason").GetString()); // the grammar completed
        var answer = JsonDocument.Parse(chat.GetProperty("message").GetProperty("content").GetString()!).RootElement;
        Assert.Equal(2, answer.EnumerateObject().Count());
        Assert.Contains(answer.GetProperty("color").GetString(), new[] { "red", "green" });

        var lines = await StreamAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", format = schema, options });
        Assert.Equal("stop", lines[^1].GetProperty("done_reason").GetString());
        Assert.Equal(2, JsonDocument.Parse(Text(lines)).RootElement.EnumerateObject().Count());

        var (status, body) = await PostAsync(server.Http, "/api/chat", new { model = Model, messages, format = new { type = 5 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("type", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ThinkReachesTheTemplateOfModelsThatThink()
    {
        server.RequireModels();
        // tiny-chat's weights and vocabulary with Qwen3's chat template, which has a <think> block.
        var template = File.ReadAllText(SharedData.Path("templates/Qwen-Qwen3-0.6B.jinja"));
        var path = Path.Combine(server.ModelsDirectory, "tiny-think.gguf");
        using (var source = Takase.Engine.Gguf.GgufFile.Open(TinyChatModel.Path))
        {
            var writer = new Takase.Engine.Gguf.GgufWriter();
            foreach (var key in source.MetadataKeys.Where(k => k != "tokenizer.chat_template")) writer.Add(key, source.Metadata[key]);
            writer.Add("tokenizer.chat_template", template);
            foreach (var t in source.Tensors) writer.AddTensor(t.Name, t.Type, t.Shape, source.TensorBytes(t).ToArray());
            writer.Write(path);
        }
        try
        {
            var show = await PostOkAsync(server.Http, "/api/show", new { model = "tiny-think" });
            Assert.Equal(["completion", "tools", "thinking"], show.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));

            var question = $"Why is the sky blue? ({Guid.NewGuid():N})";
            var messages = new[] { new { role = "user", content = question } };
            var counts = new Dictionary<string, int>();
            foreach (var (name, think) in new (string, object)[] { ("true", true), ("false", false), ("high", "high") })
            {
                await UnloadAsync(server.Http, "tiny-think");
                var answer = await PostOkAsync(server.Http, "/api/chat", new { model = "tiny-think", messages, think, stream = false, options = Short });
                counts[name] = answer.GetProperty("prompt_eval_count").GetInt32();
            }
            // Qwen3's template closes an empty think block in the prompt when thinking is off (enable_thinking=false).
            var thinker = Takase.Engine.Templates.ChatTemplate.Parse(template);
            string Render(bool think) => thinker.Render([new ChatMessage("user", question)], new ChatRenderOptions
            {
                AddGenerationPrompt = true,
                Variables = new Dictionary<string, object?> { ["enable_thinking"] = think },
            });
            Assert.EndsWith("<think>\n\n</think>\n\n", Render(false));
            Assert.Equal(Reference.Value.TokenizePrompt(Render(false), parseSpecial: true).Length, counts["false"]);
            Assert.Equal(Reference.Value.TokenizePrompt(Render(true), parseSpecial: true).Length, counts["true"]);
            Assert.Equal(counts["true"], counts["high"]); // levels are "think" for templates without levels
        }
        finally
        {
            await UnloadAsync(server.Http, "tiny-think");
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ChatLogprobsStreamWithTheirChunks()
    {
        server.RequireModels();
        var lines = await StreamAsync(server.Http, "/api/chat", new { model = Model, messages = new[] { new { role = "user", content = "Hi" } }, logprobs = true, top_logprobs = 2, options = Short });
        var logprobs = lines[..^1].SelectMany(l => l.TryGetProperty("logprobs", out var lp) ? lp.EnumerateArray() : []).ToList();
        Assert.Equal(4, logprobs.Count);
        Assert.All(logprobs, l => Assert.Equal(2, l.GetProperty("top_logprobs").GetArrayLength()));
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
