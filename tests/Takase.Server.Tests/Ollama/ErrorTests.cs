using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

/// <summary>Bad input gets a 4xx in Ollama's {"error": "…"} shape that says what to fix; never a 500.</summary>
[Collection("server")]
public class ErrorTests(LiveServer server)
{
    [Theory]
    [InlineData("/api/generate")]
    [InlineData("/api/chat")]
    [InlineData("/api/embed")]
    [InlineData("/api/embeddings")]
    [InlineData("/api/show")]
    [InlineData("/api/tokenize")]
    public async Task UnknownModelIs404(string path)
    {
        var (status, body) = await PostAsync(server.Http, path, new { model = "no-such-model", prompt = "x", content = "x", input = "x", messages = new[] { new { role = "user", content = "x" } } });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("'no-such-model' not found", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("{", "invalid JSON")]
    [InlineData("not json", "invalid JSON")]
    [InlineData("", "missing request body")]
    [InlineData("null", "JSON null")]
    [InlineData("{\"model\": \"stories260K\", \"stream\": \"yes\"}", "stream")]
    [InlineData("{\"model\": 5}", "model")]
    [InlineData("{\"model\": \"stories260K\", \"context\": [\"a\"]}", "context")]
    public async Task MalformedBodiesAre400(string json, string mentioned)
    {
        var (status, body) = await PostAsync(server.Http, "/api/generate", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(mentioned, body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("{\"temperature\": \"hot\"}", "option \"temperature\" must be a number")]
    [InlineData("{\"num_predict\": 1.5}", "option \"num_predict\" must be an integer")]
    [InlineData("{\"num_predict\": -3}", "option \"num_predict\" must be between -2")]
    [InlineData("{\"num_ctx\": 1000000000000}", "option \"num_ctx\" must be between 1 and")]
    [InlineData("{\"num_ctx\": 0}", "option \"num_ctx\" must be between 1 and")]
    [InlineData("{\"top_p\": 1.5}", "option \"top_p\" must be between 0 and 1")]
    [InlineData("{\"temperature\": -1}", "option \"temperature\" must be 0 (greedy) or more")]
    [InlineData("{\"stop\": 5}", "option \"stop\" must be an array of strings")]
    [InlineData("{\"stop\": [\"a\", 1]}", "element 1")]
    [InlineData("{\"use_mmap\": \"no\"}", "option \"use_mmap\" must be true or false")]
    [InlineData("[1, 2]", "options must be a JSON object")]
    public async Task WrongOrAbsurdOptionsAre400(string options, string message)
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "/api/generate", $$"""{"model": "stories260K", "prompt": "Once", "stream": false, "options": {{options}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task UnknownFieldsAndOptionsAreIgnoredAsOllamaDoes()
    {
        server.RequireModels();
        var answer = await PostOkAsync(server.Http, "/api/generate", """{"model": "stories260K", "prompt": "Once", "stream": false, "brand_new_field": {"x": 1}, "options": {"num_predict": 2, "no_such_option": "whatever", "num_gpu": 99, "mirostat": 0}}""");
        Assert.Equal(2, answer.GetProperty("eval_count").GetInt32());
    }

    [Theory]
    [InlineData("{\"model\": \"stories260K\", \"prompt\": \"x\", \"images\": [\"aGVsbG8=\"]}", "this model does not support images")]
    [InlineData("{\"model\": \"stories260K\", \"prompt\": \"x\", \"keep_alive\": \"soon\"}", "keep_alive")]
    [InlineData("{\"model\": \"stories260K\", \"prompt\": \"x\", \"format\": \"xml\"}", "format must be \"json\" or a JSON schema")]
    [InlineData("{\"model\": \"stories260K\", \"prompt\": \"x\", \"think\": \"deep\"}", "think must be")]
    [InlineData("{\"model\": \"stories260K\", \"prompt\": \"x\", \"logprobs\": true, \"top_logprobs\": 21}", "top_logprobs must be between 0 and 20")]
    [InlineData("{\"prompt\": \"x\"}", "model is required")]
    public async Task InvalidFieldsAre400(string json, string message)
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "/api/generate", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task InvalidUtf8BodyIs400()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"model\": \"stories260K\", \"prompt\": \"ab\"}");
        bytes[^4] = 0xFF; // inside the prompt string
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        using var response = await server.Http.PostAsync("/api/generate", content, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task OversizedBodyIs413()
    {
        // Declare a body larger than the server's limit (32 MiB): Kestrel refuses it from the Content-Length alone.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, Cancel);
        var stream = tcp.GetStream();
        var request = $"POST /api/generate HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {64L * 1024 * 1024}\r\n\r\n{{\"model\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Cancel);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, Cancel);
        var head = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 413", head);
    }

    [Fact]
    public async Task AClientThatHangsUpMidStreamFreesItsSlot()
    {
        server.RequireModels();
        // No token limit and context shifting on: the generation runs until the client goes away.
        var body = JsonContent.Create(new { model = "tiny-chat", messages = new[] { new { role = "user", content = "Tell me everything." } }, options = new { num_predict = -1, seed = 42 } });
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = body };
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            // Lines arrive while the answer is still being generated: each chunk is flushed on its own.
            for (var i = 0; i < 3; i++)
                Assert.False(JsonDocument.Parse((await reader.ReadLineAsync(cancel.Token))!).RootElement.GetProperty("done").GetBoolean());
            Assert.Equal(1, await RunningAsync("tiny-chat:latest"));
            cancel.Cancel();
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await RunningAsync("tiny-chat:latest") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the generation kept running after its client hung up");
            await Task.Delay(20, Cancel);
        }
    }

    private async Task<int> RunningAsync(string model)
    {
        var queue = await server.Http.GetFromJsonAsync<JsonElement>("/api/queue", Cancel);
        return queue.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("model").GetString() == model).Sum(m => m.GetProperty("running").GetInt32());
    }
}
