using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Library;

/// <summary>/api/create builds a library model from a Modelfile; the model is listed, pinned by digest and honours its SYSTEM.</summary>
[Collection("server")]
public class CreateThroughServerTests(LiveServer server)
{
    private async Task<List<JsonElement>> Create(object body)
    {
        var response = await server.Http.PostAsJsonAsync("/api/create", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task AModelfileWithAGgufPathAndASystemPromptBecomesALibraryModel()
    {
        server.RequireModels();
        var modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nSYSTEM \"\"\"You tell stories.\"\"\"\nPARAMETER temperature 0\nPARAMETER stop \"</s>\"\n";
        var lines = await Create(new { model = "storyteller", modelfile });
        Assert.Equal("success", lines[^1].GetProperty("status").GetString());

        using var tags = JsonDocument.Parse(await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        var entry = tags.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "storyteller:latest");
        var digest = entry.GetProperty("digest").GetString()!;

        // The template-less story model concatenates the system prompt and the user's text, so the SYSTEM layer
        // shows in the prompt's token count.
        async Task<int> PromptTokens(string model)
        {
            var r = await server.Http.PostAsJsonAsync("/api/chat", new { model, stream = false, messages = new[] { new { role = "user", content = "Once upon a time" } }, options = new { num_predict = 1 } }, TestContext.Current.CancellationToken);
            var body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(r.IsSuccessStatusCode, body);
            return JsonDocument.Parse(body).RootElement.GetProperty("prompt_eval_count").GetInt32();
        }
        Assert.True(await PromptTokens("storyteller") > await PromptTokens("stories260K"));
        Assert.True(await PromptTokens($"storyteller@sha256:{digest}") > 0);

        var delete = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/delete") { Content = JsonContent.Create(new { model = "storyteller" }) }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.DoesNotContain("storyteller", await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CreateThenShowModelfileRoundTrips()
    {
        server.RequireModels();
        var original = $$$""""
            FROM {{{SharedData.Path("models/stories260K.gguf")}}}
            TEMPLATE """{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}"""
            SYSTEM You tell short stories.
            PARAMETER temperature 0.5
            PARAMETER stop "</s>"
            PARAMETER stop "The end"
            LICENSE """MIT"""
            MESSAGE user Tell me a story.
            MESSAGE assistant Once upon a time, there was a cat.
            """";
        await Create(new { model = "roundtrip-a", modelfile = original });
        var show = JsonDocument.Parse(await (await server.Http.PostAsJsonAsync("/api/show", new { model = "roundtrip-a" }, TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var shown = show.GetProperty("modelfile").GetString()!;
        Assert.Equal("You tell short stories.", show.GetProperty("system").GetString());
        Assert.Contains("{{ .Prompt }}", show.GetProperty("template").GetString());

        var a = Takase.Library.Modelfiles.ModelfileParser.Parse(original);
        var b = Takase.Library.Modelfiles.ModelfileParser.Parse(shown);
        Assert.Equal(a.Template, b.Template);
        Assert.Equal(a.System, b.System);
        Assert.Equal(a.Licenses, b.Licenses);
        Assert.Equal(a.Messages, b.Messages);
        Assert.Equal(a.ParameterValues("stop"), b.ParameterValues("stop"));
        Assert.Equal(a.Parameter("temperature"), b.Parameter("temperature"));

        // Building again from what show printed gives the very same model: the same manifest digest.
        await Create(new { model = "roundtrip-b", modelfile = shown });
        using var tags = JsonDocument.Parse(await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        string Digest(string name) => tags.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name).GetProperty("digest").GetString()!;
        Assert.Equal(Digest("roundtrip-a:latest"), Digest("roundtrip-b:latest"));
    }

    [Fact]
    public async Task AModelfileTemplateInGoSyntaxShapesThePrompt()
    {
        server.RequireModels();
        var modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nTEMPLATE \"\"\"{{{{ if .System }}}}{{{{ .System }}}} {{{{ end }}}}Once upon a time, {{{{ .Prompt }}}}\"\"\"\n";
        await Create(new { model = "go-templated", modelfile });
        // The story model has no template of its own: the Go TEMPLATE alone decides what it reads.
        var generate = await server.Http.PostAsJsonAsync("/api/generate", new { model = "go-templated", prompt = "there", stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 4 } }, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await generate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var expected = JsonDocument.Parse(await (await server.Http.PostAsJsonAsync("/api/tokenize", new { model = "stories260K", content = "Once upon a time, there", add_special = true }, TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("tokens").GetArrayLength();
        Assert.Equal(expected, body.GetProperty("prompt_eval_count").GetInt32());
        Assert.StartsWith(" was a little", body.GetProperty("response").GetString());

        var broken = await server.Http.PostAsJsonAsync("/api/create", new { model = "go-broken", modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nTEMPLATE \"{{{{ .Prompt \"\n", stream = false }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode); // a TEMPLATE that does not parse is refused at create
        Assert.DoesNotContain("go-broken", await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AGoTemplateSeesTheToolsAndTheToolCallsOfTheConversation()
    {
        server.RequireModels();
        // A template in the style of Ollama's tool-using ones: tool names first, then each turn with its calls and results.
        const string template = "{{ range .Tools }}[{{ .Function.Name }}]{{ end }}{{ range .Messages }}{{ .Role }}:{{ .Content }}{{ range .ToolCalls }}call {{ .Function.Name }}{{ end }}{{ .ToolName }};{{ end }}";
        await Create(new { model = "go-tools", from = SharedData.Path("models/stories260K.gguf"), template });

        using var show = JsonDocument.Parse(await (await server.Http.PostAsJsonAsync("/api/show", new { model = "go-tools" }, TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("tools", show.RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));

        var tools = new[] { new { type = "function", function = new { name = "get_weather", description = "Weather of a city", parameters = new { type = "object", properties = new { city = new { type = "string" } } } } } };
        var messages = new object[]
        {
            new { role = "user", content = "Once upon a time" },
            new { role = "assistant", content = "", tool_calls = new[] { new { function = new { name = "get_weather", arguments = new { city = "Tokyo" } } } } },
            new { role = "tool", content = "sunny", tool_name = "get_weather" },
        };
        var chat = await server.Http.PostAsJsonAsync("/api/chat", new { model = "go-tools", stream = false, tools, messages, options = new { num_predict = 1 } }, TestContext.Current.CancellationToken);
        var body = await chat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(chat.IsSuccessStatusCode, body);
        var expected = "[get_weather]user:Once upon a time;assistant:call get_weather;tool:sunnyget_weather;";
        var tokens = JsonDocument.Parse(await (await server.Http.PostAsJsonAsync("/api/tokenize", new { model = "stories260K", content = expected, add_special = true }, TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("tokens").GetArrayLength();
        Assert.Equal(tokens, JsonDocument.Parse(body).RootElement.GetProperty("prompt_eval_count").GetInt32());
    }

    [Fact]
    public async Task ModelfileParametersAreDefaultsThatRequestsOverride()
    {
        server.RequireModels();
        await Create(new { model = "short-answers", modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nPARAMETER num_predict 3\nPARAMETER temperature 0\n" });
        async Task<int> EvalCount(object body)
        {
            var r = await server.Http.PostAsJsonAsync("/api/generate", body, TestContext.Current.CancellationToken);
            var text = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(r.IsSuccessStatusCode, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("eval_count").GetInt32();
        }
        Assert.Equal(3, await EvalCount(new { model = "short-answers", prompt = "Once upon a time", raw = true, stream = false }));
        Assert.Equal(5, await EvalCount(new { model = "short-answers", prompt = "Once upon a time", raw = true, stream = false, options = new { num_predict = 5 } }));
    }

    [Fact]
    public async Task ModelfileParametersAreDefaultsOnTheOpenAiApiToo()
    {
        server.RequireModels();
        await Create(new { model = "short-v1", modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nPARAMETER num_predict 3\nPARAMETER temperature 0\nPARAMETER num_ctx 12\n" });
        async Task<JsonElement> Post(string path, object body)
        {
            var r = await server.Http.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
            var text = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(r.IsSuccessStatusCode, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var messages = new[] { new { role = "user", content = "Once upon a time" } };
        // num_predict 3 replaces "until the answer ends" (chat) and OpenAI's 16-token default (completions).
        Assert.Equal(3, (await Post("/v1/chat/completions", new { model = "short-v1", messages })).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, (await Post("/v1/completions", new { model = "short-v1", prompt = "Once upon a time" })).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(5, (await Post("/v1/completions", new { model = "short-v1", prompt = "Once upon a time", max_tokens = 5 })).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // temperature 0 from the Modelfile: two unseeded answers are the same.
        var a = (await Post("/v1/completions", new { model = "short-v1", prompt = "Once upon a time" })).GetProperty("choices")[0].GetProperty("text").GetString();
        var b = (await Post("/v1/completions", new { model = "short-v1", prompt = "Once upon a time" })).GetProperty("choices")[0].GetProperty("text").GetString();
        Assert.Equal(a, b);
        // num_ctx 12: a prompt longer than the model's window is refused, as on the Ollama API.
        var tooLong = await server.Http.PostAsJsonAsync("/v1/completions", new { model = "short-v1", prompt = string.Join(" ", Enumerable.Repeat("Once upon a time", 8)) }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Fact]
    public async Task ABadModelfileIsA400NamingTheLine()
    {
        var response = await server.Http.PostAsJsonAsync("/api/create", new { model = "broken", modelfile = "FROM x\nPARAMETER temperature hot\n" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line 2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AModelFromASymbolicLinkHasTheFilesSizeAndTheSameDigestWhereverTheLinkPoints()
    {
        server.RequireModels();
        using var dir = new Takase.Tests.Support.TempDir();
        var real = SharedData.Path("models/stories260K.gguf");
        // Two links to the same file through paths of different lengths (a link's own length is its target's name).
        File.CreateSymbolicLink(dir.File("short.gguf"), real);
        Directory.CreateDirectory(dir.File("a-much-longer-folder-name-for-the-second-link"));
        File.CreateSymbolicLink(dir.File("a-much-longer-folder-name-for-the-second-link/long.gguf"), Path.GetRelativePath(dir.File("a-much-longer-folder-name-for-the-second-link"), real));
        await Create(new { model = "linked-a", modelfile = $"FROM {dir.File("short.gguf")}\n", stream = false });
        await Create(new { model = "linked-b", modelfile = $"FROM {dir.File("a-much-longer-folder-name-for-the-second-link/long.gguf")}\n", stream = false });

        using var tags = JsonDocument.Parse(await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        var models = tags.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(models["linked-a:latest"].GetProperty("digest").GetString(), models["linked-b:latest"].GetProperty("digest").GetString());
        Assert.True(models["linked-a:latest"].GetProperty("size").GetInt64() > new FileInfo(real).Length); // weights + config, not a link's length
    }

    [Fact]
    public async Task FromMayNameALooseGgufFileTheServerOffers()
    {
        server.RequireModels();
        // What `/save` in a chat with a loose file's model writes: FROM its catalog name, not a path.
        await Create(new { model = "saved-story", modelfile = "FROM stories260K\nSYSTEM Be brief.\n" });
        using var show = JsonDocument.Parse(await (await server.Http.PostAsJsonAsync("/api/show", new { model = "saved-story" }, TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Be brief.", show.RootElement.GetProperty("system").GetString());
        Assert.Equal("F32", show.RootElement.GetProperty("details").GetProperty("quantization_level").GetString());
    }

    [Fact]
    public async Task FromAMissingLibraryModelIsA404()
    {
        var response = await server.Http.PostAsJsonAsync("/api/create", new { model = "orphan", from = "no-such-base", stream = false }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
