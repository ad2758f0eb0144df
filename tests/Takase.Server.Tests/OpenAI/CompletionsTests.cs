using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.OpenAI.OpenAiHttp;

namespace Takase.Server.Tests.OpenAI;

[Collection("server")]
public class CompletionsTests(LiveServer server)
{
    [Theory]
    [InlineData("stories260K")]
    [InlineData("stories260K-Q8_0")]
    public async Task GreedyTextMatchesLlamaCpp(string model)
    {
        server.RequireModels();
        // OpenAI requests carry no repeat_penalty, so none is applied: plain greedy decoding, as the golden text.
        var (status, body) = await PostAsync(server.Http, "v1/completions",
            new { model, prompt = "Once upon a time", temperature = 0, max_tokens = 60 });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(StoriesGreedy, choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(60, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task UsageCountsThePromptTokensAndTheGeneratedTokens()
    {
        server.RequireModels();
        var (_, body) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = "Once upon a time, there was a little girl named Lily.", max_tokens = 5 });
        var usage = body.GetProperty("usage");
        Assert.Equal(LilyTokens.Length, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(LilyTokens.Length + 5, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task MaxTokensDefaultsToSixteen()
    {
        server.RequireModels();
        // A banned end token makes sure the answer could go on: only the default limit stops it.
        var (_, body) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = "Once upon a time", logit_bias = new Dictionary<string, int> { ["2"] = -100 } });
        Assert.Equal(16, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task TokenPromptsReachTheModelUnchanged()
    {
        server.RequireModels();
        var (_, text) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = "Once upon a time, there was a little girl named Lily.", temperature = 0, max_tokens = 12 });
        var (_, tokens) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = LilyTokens, temperature = 0, max_tokens = 12 });
        Assert.Equal(text.GetProperty("choices")[0].GetProperty("text").GetString(), tokens.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(LilyTokens.Length, tokens.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task SeveralPromptsAndChoicesAreIndexedInOrder()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = new[] { "Once upon a time", "Lily and Tom" }, n = 2, temperature = 0, max_tokens = 4, echo = true });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        // index = prompt × n + choice; echo puts each prompt in front of its completions.
        Assert.Equal("Once upon a time" + StoriesGreedy[..StoriesGreedy.IndexOf(" little", StringComparison.Ordinal)], choices[0].GetProperty("text").GetString());
        Assert.Equal(choices[0].GetProperty("text").GetString(), choices[1].GetProperty("text").GetString());
        Assert.StartsWith("Lily and Tom", choices[2].GetProperty("text").GetString());
        Assert.Equal(16, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task LogprobsUseTheLegacyParallelArrays()
    {
        server.RequireModels();
        var (_, body) = await PostAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = "Once upon a time", temperature = 0, max_tokens = 5, logprobs = 2 });
        var choice = body.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(5, tokens.Count);
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.All(logprobs.GetProperty("token_logprobs").EnumerateArray(), l => Assert.InRange(l.GetSingle(), float.MinValue, 0f));
        var tops = logprobs.GetProperty("top_logprobs").EnumerateArray().ToList();
        Assert.Equal(5, tops.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.InRange(tops[i].EnumerateObject().Count(), 1, 2);
            Assert.True(tops[i].TryGetProperty(tokens[i], out _), "greedy: the chosen token is among the most likely");
        }
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();
        Assert.Equal(tokens.Select((_, i) => tokens.Take(i).Sum(t => t.Length)), offsets);
    }

    [Fact]
    public async Task StreamIsFramedAsOpenAiServerSentEvents()
    {
        server.RequireModels();
        var events = await StreamAsync(server.Http, "v1/completions",
            new { model = "stories260K", prompt = "Once upon a time", temperature = 0, max_tokens = 8, stream = true, stream_options = new { include_usage = true } });
        Assert.All(events, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
        Assert.Single(events.Select(e => e.GetProperty("id").GetString()).Distinct());
        var text = new StringBuilder();
        foreach (var e in events[..^2])
        {
            var c = Assert.Single(e.GetProperty("choices").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind);
            text.Append(c.GetProperty("text").GetString());
        }
        Assert.Equal("length", events[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Empty(events[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(8, events[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.NotEmpty(text.ToString());
        Assert.StartsWith(text.ToString(), StoriesGreedy);
    }

    [Fact]
    public async Task SuffixAndBadPromptsAreRefused()
    {
        server.RequireModels();
        AssertError(HttpStatusCode.BadRequest, "suffix",
            await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = "def f(", suffix = "return x" }));
        AssertError(HttpStatusCode.BadRequest, "prompt", await PostAsync(server.Http, "v1/completions", new { model = "stories260K" }));
        AssertError(HttpStatusCode.BadRequest, "prompt", await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = Array.Empty<string>() }));
        AssertError(HttpStatusCode.BadRequest, "prompt[1]", await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = new object[] { "a", 5 } }));
        AssertError(HttpStatusCode.BadRequest, "prompt[1]", await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = new[] { 1, -3 } }));
        AssertError(HttpStatusCode.BadRequest, "logprobs", await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = "a", logprobs = 21 }));
        // A token id beyond the vocabulary is found when the answer starts: still a 400 before any event.
        AssertError(HttpStatusCode.BadRequest, null, await PostAsync(server.Http, "v1/completions", new { model = "stories260K", prompt = new[] { 1, 99999 }, stream = true }));
    }
}
