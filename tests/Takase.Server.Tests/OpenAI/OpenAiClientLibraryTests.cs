using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.OpenAI.OpenAiHttp;

namespace Takase.Server.Tests.OpenAI;

/// <summary>The official OpenAI clients — the `openai` npm package and the OpenAI .NET SDK — against Takase, unchanged.</summary>
[Collection("server")]
public class OpenAiClientLibraryTests(LiveServer server)
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(server.BaseAddress, "v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };
    private static readonly ApiKeyCredential Key = new("takase-ignores-keys");

    [Fact]
    public async Task TheOpenAiNpmPackageWorks()
    {
        server.RequireModels();
        using var result = JsonDocument.Parse(await NodeClients.RunAsync("openai-client.mjs", server.BaseAddress));
        var r = result.RootElement;
        Assert.Contains("stories260K:latest", r.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("stories260K:latest", r.GetProperty("retrieved").GetString());

        var chat = r.GetProperty("chat");
        Assert.StartsWith(chat.GetProperty("content").GetString()!, StoriesGreedy);
        Assert.Equal("length", chat.GetProperty("finish").GetString());
        Assert.Equal(12, chat.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var stream = r.GetProperty("stream");
        Assert.Equal(chat.GetProperty("content").GetString(), stream.GetProperty("content").GetString());
        Assert.Equal("length", stream.GetProperty("finish").GetString());
        Assert.Equal(chat.GetProperty("usage").ToString(), stream.GetProperty("usage").ToString());

        Assert.Equal(StoriesGreedy[..r.GetProperty("completion").GetString()!.Length], r.GetProperty("completion").GetString());
        Assert.Equal([64, 64], r.GetProperty("embeddings").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1.0, r.GetProperty("embeddingNorm").GetDouble(), 1e-4);

        var toolUse = r.GetProperty("toolUse");
        Assert.Equal("assistant", toolUse.GetProperty("role").GetString());
        Assert.Contains(toolUse.GetProperty("finish").GetString(), new[] { "stop", "length", "tool_calls" });
        Assert.True(toolUse.GetProperty("promptTokens").GetInt32() > 30);

        var structured = r.GetProperty("structured");
        Assert.Equal("stop", structured.GetProperty("finish").GetString());
        Assert.Contains(structured.GetProperty("value").GetProperty("colour").GetString(), new[] { "red", "green" });
        Assert.InRange(structured.GetProperty("value").GetProperty("n").GetInt32(), 1, 9);

        var forced = r.GetProperty("forced");
        Assert.Equal("tool_calls", forced.GetProperty("finish").GetString());
        Assert.Equal("get_weather", forced.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, forced.GetProperty("arguments").GetProperty("city").ValueKind);

        var error = r.GetProperty("error");
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("BadRequestError", error.GetProperty("name").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("temperature", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task TheOpenAiDotNetSdkChats()
    {
        server.RequireModels();
        var client = new ChatClient("stories260K", Key, Options);
        List<ChatMessage> story = [new UserChatMessage("Once upon a time")];
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 };

        ChatCompletion completion = await client.CompleteChatAsync(story, options, TestContext.Current.CancellationToken);
        var text = completion.Content[0].Text;
        Assert.StartsWith(text, StoriesGreedy);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(12, completion.Usage.OutputTokenCount);
        Assert.StartsWith("chatcmpl-", completion.Id);

        var streamed = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(story, options, TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(text, streamed.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(completion.Usage.InputTokenCount, usage?.InputTokenCount);
        Assert.Equal(12, usage?.OutputTokenCount);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CompleteChatAsync(story, new ChatCompletionOptions { TopP = 3 }, TestContext.Current.CancellationToken));
        Assert.Equal(400, error.Status);
        Assert.Contains("top_p", error.Message);
    }

    [Fact]
    public async Task TheOpenAiDotNetSdkSendsToolsAndToolResults()
    {
        server.RequireModels();
        var client = new ChatClient("tiny-chat", Key, Options);
        var weather = ChatTool.CreateFunctionTool("get_weather", "Weather in a city",
            BinaryData.FromString("""{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}"""));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2, Tools = { weather } };
        List<ChatMessage> asked = [new UserChatMessage("What is the weather in Paris?")];
        List<ChatMessage> answered =
        [
            .. asked,
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city": "Paris"}"""))]),
            new ToolChatMessage("call_1", """{"temperature": 21}"""),
        ];
        ChatCompletion plain = await client.CompleteChatAsync(asked, new ChatCompletionOptions { MaxOutputTokenCount = 2 }, TestContext.Current.CancellationToken);
        ChatCompletion withTools = await client.CompleteChatAsync(asked, options, TestContext.Current.CancellationToken);
        ChatCompletion withResult = await client.CompleteChatAsync(answered, options, TestContext.Current.CancellationToken);
        Assert.True(withTools.Usage.InputTokenCount > plain.Usage.InputTokenCount);
        Assert.True(withResult.Usage.InputTokenCount > withTools.Usage.InputTokenCount);
    }

    [Fact]
    public async Task TheOpenAiDotNetSdkEmbedsAndListsModels()
    {
        server.RequireModels();
        var embeddings = new EmbeddingClient("stories260K", Key, Options);
        OpenAIEmbeddingCollection vectors = await embeddings.GenerateEmbeddingsAsync(["Once upon a time", "Lily"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, vectors.Count);
        var first = vectors[0].ToFloats().ToArray();
        Assert.Equal(64, first.Length);
        Assert.Equal(1.0, Math.Sqrt(first.Sum(x => (double)x * x)), 1e-4);
        // The SDK asked for base64; the same request as floats gives the same numbers.
        var (_, floats) = await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = "Once upon a time" });
        Assert.Equal(floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()), first);

        var models = new OpenAIModelClient(Key, Options);
        OpenAIModelCollection list = await models.GetModelsAsync(TestContext.Current.CancellationToken);
        Assert.Contains("tiny-chat:latest", list.Select(m => m.Id));
        OpenAIModel one = await models.GetModelAsync("stories260K:latest", TestContext.Current.CancellationToken);
        Assert.Equal("stories260K:latest", one.Id);
        Assert.Equal("library", one.OwnedBy);
    }

    [Fact]
    public async Task TheOpenAiDotNetSdkGetsStructuredOutputAndForcedToolCalls()
    {
        server.RequireModels();
        var client = new ChatClient("tiny-chat", Key, Options);
        var schema = BinaryData.FromString("""{"type":"object","properties":{"ok":{"type":"boolean"},"n":{"type":"integer","minimum":0,"maximum":9}},"required":["ok","n"],"additionalProperties":false}""");
        var structured = await client.CompleteChatAsync([new UserChatMessage("JSON?")], new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", schema, jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 80,
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
            Seed = 3,
#pragma warning restore OPENAI001
        }, TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.Stop, structured.Value.FinishReason);
        using (var doc = JsonDocument.Parse(structured.Value.Content[0].Text))
            Assert.InRange(doc.RootElement.GetProperty("n").GetInt32(), 0, 9);

        var tool = ChatTool.CreateFunctionTool("get_time", "Current time",
            BinaryData.FromString("""{"type":"object","properties":{"utc":{"type":"boolean"}},"required":["utc"]}"""));
        // Random weights may pad the JSON with the little whitespace the grammar allows: leave room for it.
#pragma warning disable OPENAI001
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 300, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Seed = 5 };
#pragma warning restore OPENAI001
        options.Tools.Add(tool);
        var called = await client.CompleteChatAsync([new UserChatMessage("What time is it?")], options, TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, called.Value.FinishReason);
        var call = Assert.Single(called.Value.ToolCalls);
        Assert.Equal("get_time", call.FunctionName);
        using var args = JsonDocument.Parse(call.FunctionArguments);
        Assert.True(args.RootElement.GetProperty("utc").ValueKind is JsonValueKind.True or JsonValueKind.False);
    }
}
