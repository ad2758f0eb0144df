using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

[Collection("server")]
public class GenerateTests(LiveServer server)
{
    // llama.cpp b10573's greedy continuation of "Once upon a time" for stories260K (shared/data/README.md).
    private const string GreedyContinuation = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.";
    private static readonly object Greedy = new { temperature = 0, repeat_penalty = 1, num_predict = 40 };

    [Fact]
    public async Task StreamedGenerateIsNdjsonWithTheFinalFieldsInNanoseconds()
    {
        server.RequireModels();
        var lines = await StreamAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", raw = true, options = Greedy });

        Assert.True(lines.Count > 2);
        foreach (var chunk in lines[..^1])
        {
            Assert.Equal("stories260K", chunk.GetProperty("model").GetString());
            Assert.False(chunk.GetProperty("done").GetBoolean());
            Assert.True(DateTime.TryParse(chunk.GetProperty("created_at").GetString(), out _));
            Assert.Equal(["model", "created_at", "response", "done"], chunk.EnumerateObject().Select(p => p.Name));
        }
        var final = lines[^1];
        Assert.True(final.GetProperty("done").GetBoolean());
        Assert.Equal("", final.GetProperty("response").GetString());
        Assert.Equal("length", final.GetProperty("done_reason").GetString());
        Assert.Equal(40, final.GetProperty("eval_count").GetInt32());
        Assert.False(final.TryGetProperty("context", out _)); // raw mode returns no context, as Ollama
        var total = final.GetProperty("total_duration").GetInt64();
        var promptTime = final.GetProperty("prompt_eval_duration").GetInt64();
        var evalTime = final.GetProperty("eval_duration").GetInt64();
        Assert.True(final.GetProperty("load_duration").GetInt64() >= 0);
        Assert.True(promptTime > 0 && evalTime > 0);
        // Nanoseconds: the parts fit inside the whole, and the whole is far above what milliseconds or ticks would give.
        Assert.True(promptTime + evalTime <= total, $"{promptTime} + {evalTime} > {total}");
        Assert.True(total > 1_000_000, $"total_duration {total} is not in nanoseconds");
        Assert.StartsWith(GreedyContinuation, Text(lines));
    }

    [Fact]
    public async Task GreedyTextMatchesLlamaCppRawAndTemplatedAndNonStreamed()
    {
        server.RequireModels();
        var raw = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", raw = true, stream = false, options = Greedy });
        // stories260K has no chat template: the default (templated) mode sends the prompt as plain text too.
        var templated = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K:latest", prompt = "Once upon a time", stream = false, options = Greedy });

        Assert.True(raw.GetProperty("response").GetString()!.StartsWith(GreedyContinuation, StringComparison.Ordinal), raw.GetProperty("response").GetString());
        Assert.Equal(raw.GetProperty("response").GetString(), templated.GetProperty("response").GetString());
        Assert.True(raw.GetProperty("done").GetBoolean());
        Assert.Equal("stories260K:latest", templated.GetProperty("model").GetString());
        // BOS + "Once upon a time" is 5 tokens under stories260K's vocabulary (README: [1, 403, 407, 261, 378]).
        Assert.Equal([1, 403, 407, 261, 378], templated.GetProperty("context").EnumerateArray().Take(5).Select(e => e.GetInt32()));
        Assert.Equal(5 + 40, templated.GetProperty("context").GetArrayLength());
    }

    [Fact]
    public async Task ContextFromOneAnswerContinuesTheNext()
    {
        server.RequireModels();
        var first = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 6 } });
        var context = first.GetProperty("context").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var second = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = " Lily", context, stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 4 } });
        var next = second.GetProperty("context").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var promptTokens = (await PostOkAsync(server.Http, "/api/tokenize", new { model = "stories260K", content = " Lily" }))
            .GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // The new context is the old one, the new prompt's tokens (no second BOS), then the new answer.
        Assert.Equal(context, next[..context.Length]);
        Assert.Equal(promptTokens, next[context.Length..(context.Length + promptTokens.Length)]);
        Assert.Equal(context.Length + promptTokens.Length + 4, next.Length);
        var answerText = (await PostOkAsync(server.Http, "/api/detokenize", new { model = "stories260K", tokens = next[(context.Length + promptTokens.Length)..] }))
            .GetProperty("content").GetString();
        Assert.Equal(answerText, second.GetProperty("response").GetString());
        // The old context was cached in the slot: only the new prompt tokens needed evaluating, and the last answer
        // token, which was sampled but never run through the model.
        Assert.Equal(promptTokens.Length + 1, second.GetProperty("prompt_eval_count").GetInt32());
    }

    [Fact]
    public async Task RequestTemplateRendersSystemAndPromptAndStopsAtResponse()
    {
        server.RequireModels();
        const string template = "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}{{ .Response }} and never seen";
        var templated = await PostOkAsync(server.Http, "/api/generate", new
        {
            model = "stories260K",
            prompt = "a time",
            system = "Once upon",
            template,
            stream = false,
            options = Greedy,
        });
        var raw = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", raw = true, stream = false, options = Greedy });

        Assert.Equal(raw.GetProperty("response").GetString(), templated.GetProperty("response").GetString());
        Assert.Equal([1, 403, 407, 261, 378], templated.GetProperty("context").EnumerateArray().Take(5).Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task ARequestTemplateMayReadTheMessagesAndABrokenOneIsA400ThatSaysWhere()
    {
        server.RequireModels();
        // Newer Ollama templates range over .Messages: the prompt becomes the single user message.
        var templated = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", template = "{{ range .Messages }}{{ .Content }}{{ end }}", stream = false, options = Greedy });
        var raw = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", raw = true, stream = false, options = Greedy });
        Assert.Equal(raw.GetProperty("response").GetString(), templated.GetProperty("response").GetString());

        var (status, body) = await PostAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "x", template = "line one\n{{ if .Prompt }}unclosed", stream = false });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("template line 2", body.GetProperty("error").GetString()); // where the unclosed if is
    }

    [Fact]
    public async Task EmptyPromptLoadsAndKeepAliveZeroUnloads()
    {
        server.RequireModels();
        var load = await StreamAsync(server.Http, "/api/generate", new { model = "stories260K-Q8_0", keep_alive = "10m" });
        Assert.Single(load);
        Assert.Equal("load", load[0].GetProperty("done_reason").GetString());
        Assert.True(load[0].GetProperty("done").GetBoolean());
        var ps = await server.Http.GetFromJsonAsync<JsonElement>("/api/ps", Cancel);
        var entry = ps.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "stories260K-Q8_0:latest");
        var expires = entry.GetProperty("expires_at").GetDateTime();
        Assert.InRange(expires - DateTime.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10.5));

        var unload = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K-Q8_0", keep_alive = 0, stream = false });
        Assert.Equal("unload", unload.GetProperty("done_reason").GetString());
        await AssertNotLoaded("stories260K-Q8_0:latest");
    }

    [Fact]
    public async Task KeepAliveZeroUnloadsAfterTheAnswer()
    {
        server.RequireModels();
        var answer = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K-Q8_0", prompt = "Once", keep_alive = "0s", stream = false, options = new { num_predict = 2 } });
        Assert.True(answer.GetProperty("done").GetBoolean());
        await AssertNotLoaded("stories260K-Q8_0:latest");
    }

    [Fact]
    public async Task LogprobsComeWithEachTokenAndTheirAlternatives()
    {
        server.RequireModels();
        var answer = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once upon a time", raw = true, stream = false, logprobs = true, top_logprobs = 3, options = Greedy });
        var logprobs = answer.GetProperty("logprobs").EnumerateArray().ToList();
        Assert.Equal(40, logprobs.Count);
        Assert.Equal(answer.GetProperty("response").GetString(), string.Concat(logprobs.Select(l => l.GetProperty("token").GetString())));
        foreach (var l in logprobs)
        {
            var top = l.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(3, top.Count);
            // Greedy: the chosen token is the likeliest one.
            Assert.Equal(top[0].GetProperty("logprob").GetDouble(), l.GetProperty("logprob").GetDouble(), 4);
            Assert.True(l.GetProperty("logprob").GetDouble() <= 0);
        }
    }

    [Fact]
    public async Task ThinkAndSuffixAreRefusedForModelsWithoutThoseCapabilities()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "x", think = true });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("\"stories260K\" does not support thinking", body.GetProperty("error").GetString());

        (status, body) = await PostAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "def f(", suffix = "return x" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("\"stories260K\" does not support insert", body.GetProperty("error").GetString());

        (status, body) = await PostAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "x", raw = true, system = "s" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("raw mode does not support template, system, or context", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task SuffixFillsInTheMiddleForModelsWithFimTokens()
    {
        server.RequireModels();
        // stories260K with fill-in-the-middle token ids added (its control tokens stand in for <PRE>, <SUF>, <MID>).
        var path = Path.Combine(server.ModelsDirectory, "stories-fim.gguf");
        using (var source = Takase.Engine.Gguf.GgufFile.Open(Takase.Tests.Support.SharedData.Path("models/stories260K.gguf")))
        {
            var writer = new Takase.Engine.Gguf.GgufWriter();
            foreach (var key in source.MetadataKeys) writer.Add(key, source.Metadata[key]);
            writer.Add("tokenizer.ggml.fim_pre_token_id", 1u);
            writer.Add("tokenizer.ggml.fim_suf_token_id", 2u);
            writer.Add("tokenizer.ggml.fim_mid_token_id", 0u);
            foreach (var t in source.Tensors) writer.AddTensor(t.Name, t.Type, t.Shape, source.TensorBytes(t).ToArray());
            writer.Write(path);
        }
        try
        {
            var show = await PostOkAsync(server.Http, "/api/show", new { model = "stories-fim" });
            Assert.Contains("insert", show.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
            var answer = await PostOkAsync(server.Http, "/api/generate", new { model = "stories-fim", prompt = "Once upon", suffix = "a dog.", stream = false, options = new { num_predict = 3 } });

            // Prefix-suffix-middle order, as llama.cpp's infill: <PRE>prompt<SUF>suffix<MID>, the answer being the middle.
            var fim = await PostOkAsync(server.Http, "/api/tokenize", new { model = "stories-fim", content = "<s>Once upon</s>a dog.<unk>", add_special = true });
            var tokens = fim.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToList();
            Assert.Equal(0, tokens[^1]); // the marker texts became their token ids
            Assert.Contains(2, tokens);
            Assert.Equal(tokens.Count, answer.GetProperty("prompt_eval_count").GetInt32());
            Assert.Equal(3, answer.GetProperty("eval_count").GetInt32());
        }
        finally
        {
            await UnloadAsync(server.Http, "stories-fim");
            File.Delete(path);
        }
    }

    private async Task AssertNotLoaded(string name)
    {
        var ps = await server.Http.GetFromJsonAsync<JsonElement>("/api/ps", Cancel);
        Assert.DoesNotContain(name, ps.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }
}
