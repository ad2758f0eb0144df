using System.Net;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.OpenAI.OpenAiHttp;

namespace Takase.Server.Tests.OpenAI;

/// <summary>Bad requests are a 400 in OpenAI's error shape whose param names the field to fix — never a 500.</summary>
[Collection("server")]
public class RequestValidationTests(LiveServer server)
{
    private const string Ok = """ "model": "stories260K", "messages": [{"role": "user", "content": "hi"}] """;

    [Theory]
    [InlineData("{", null)]
    [InlineData("", null)]
    [InlineData("[1, 2]", null)]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}]}""", "model")]
    [InlineData("""{"model": 7, "messages": []}""", "model")]
    [InlineData("""{"model": "stories260K"}""", "messages")]
    [InlineData("""{"model": "stories260K", "messages": []}""", "messages")]
    [InlineData("""{"model": "stories260K", "messages": "hi"}""", "messages")]
    [InlineData("""{"model": "stories260K", "messages": [{"content": "hi"}]}""", "messages[0].role")]
    [InlineData("""{"model": "stories260K", "messages": [{"role": "robot", "content": "hi"}]}""", "messages[0].role")]
    [InlineData("""{"model": "stories260K", "messages": [{"role": "user", "content": 5}]}""", "messages[0].content")]
    [InlineData("""{"model": "stories260K", "messages": [{"role": "user"}]}""", "messages[0].content")]
    [InlineData("""{"model": "stories260K", "messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model": "stories260K", "messages": [{"role": "tool", "content": "42"}]}""", "messages[0].tool_call_id")]
    [InlineData("{" + Ok + """, "temperature": "warm"}""", "temperature")]
    [InlineData("{" + Ok + """, "temperature": 2.5}""", "temperature")]
    [InlineData("{" + Ok + """, "temperature": -0.1}""", "temperature")]
    [InlineData("{" + Ok + """, "top_p": 1.5}""", "top_p")]
    [InlineData("{" + Ok + """, "presence_penalty": 3}""", "presence_penalty")]
    [InlineData("{" + Ok + """, "frequency_penalty": -2.5}""", "frequency_penalty")]
    [InlineData("{" + Ok + """, "max_tokens": -5}""", "max_tokens")]
    [InlineData("{" + Ok + """, "max_tokens": 2.5}""", "max_tokens")]
    [InlineData("{" + Ok + """, "max_completion_tokens": -1}""", "max_completion_tokens")]
    [InlineData("{" + Ok + """, "n": 0}""", "n")]
    [InlineData("{" + Ok + """, "n": 9}""", "n")]
    [InlineData("{" + Ok + """, "n": 99999999999}""", "n")]
    [InlineData("{" + Ok + """, "stop": 5}""", "stop")]
    [InlineData("{" + Ok + """, "stop": ["a", 5]}""", "stop[1]")]
    [InlineData("{" + Ok + """, "stream": "yes"}""", "stream")]
    [InlineData("{" + Ok + """, "seed": "abc"}""", "seed")]
    [InlineData("{" + Ok + """, "logprobs": true, "top_logprobs": 21}""", "top_logprobs")]
    [InlineData("{" + Ok + """, "top_logprobs": 2}""", "top_logprobs")]
    [InlineData("{" + Ok + """, "logit_bias": {"x": 1}}""", "logit_bias")]
    [InlineData("{" + Ok + """, "logit_bias": {"5": 101}}""", "logit_bias.5")]
    [InlineData("{" + Ok + """, "logit_bias": {"5": "up"}}""", "logit_bias.5")]
    [InlineData("{" + Ok + """, "logit_bias": {"99999": 1}}""", "logit_bias")]
    [InlineData("{" + Ok + """, "tools": [{"type": "retrieval"}]}""", "tools[0].type")]
    [InlineData("{" + Ok + """, "tools": [{"type": "function", "function": {}}]}""", "tools[0].function.name")]
    [InlineData("{" + Ok + """, "tool_choice": "always"}""", "tool_choice")]
    [InlineData("{" + Ok + """, "tool_choice": "required"}""", "tool_choice")]
    [InlineData("{" + Ok + """, "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", "tool_choice.function.name")]
    [InlineData("{" + Ok + """, "reasoning_effort": "extreme"}""", "reasoning_effort")]
    [InlineData("{" + Ok + """, "stream_options": 3}""", "stream_options")]
    public async Task ChatRequestsAreCheckedField(string body, string? param)
    {
        server.RequireModels(); // a few refusals (a token beyond the vocabulary) come from the model itself
        AssertError(HttpStatusCode.BadRequest, param, await PostAsync(server.Http, "v1/chat/completions", body));
    }

    [Fact]
    public async Task UnknownFieldsAreIgnored()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "v1/chat/completions",
            "{" + Ok + """, "max_tokens": 2, "user": "someone", "metadata": {"a": 1}, "store": false, "parallel_tool_calls": true, "future_field": [1, 2]}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task TheErrorNamesWhatWasWrong()
    {
        var (_, body) = await PostAsync(server.Http, "v1/chat/completions", "{" + Ok + """, "temperature": "warm"}""");
        Assert.Equal("Invalid type for 'temperature': expected a number, but got a string instead.", body.GetProperty("error").GetProperty("message").GetString());
        (_, body) = await PostAsync(server.Http, "v1/chat/completions", "{" + Ok + """, "top_p": 7}""");
        Assert.Equal("Invalid 'top_p': expected a value between 0 and 1, but got 7 instead.", body.GetProperty("error").GetProperty("message").GetString());
    }
}
