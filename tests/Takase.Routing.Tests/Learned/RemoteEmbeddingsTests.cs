using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Routing.Learned.Embeddings;

namespace Takase.Routing.Tests.Learned;

/// <summary>RemoteEmbeddings through the OpenAI SDK against a real HTTP server on 127.0.0.1 that this test runs.</summary>
public sealed class RemoteEmbeddingsTests : IDisposable
{
    private HttpListener _listener = new();
    private readonly Task _serving;
    private readonly List<(string Path, string Model, string Input, string? Auth)> _requests = [];
    private int _status = 200;

    public RemoteEmbeddingsTests()
    {
        // Find a free port: HttpListener cannot bind port 0, and a listener whose Start failed is closed — take a new one.
        for (var port = 41000 + Random.Shared.Next(2000); ; port++)
        {
            try
            {
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                Endpoint = new Uri($"http://127.0.0.1:{port}/v1");
                break;
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && port < 45000)
            {
                _listener.Close();
                _listener = new HttpListener();
            }
        }
        _serving = Task.Run(Serve);
    }

    private Uri Endpoint { get; } = null!;

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement;
            var input = body.GetProperty("input") is { ValueKind: JsonValueKind.Array } a ? a[0].GetString()! : body.GetProperty("input").GetString()!;
            lock (_requests) _requests.Add((context.Request.Url!.AbsolutePath, body.GetProperty("model").GetString()!, input, context.Request.Headers["Authorization"]));
            context.Response.StatusCode = _status;
            context.Response.ContentType = "application/json";
            // The vector is (length of the input, 0, 0, 1·[starts with "a"]) so the test knows what to expect after normalising.
            var reply = _status == 200
                ? JsonSerializer.Serialize(new
                {
                    @object = "list",
                    model = "emb",
                    data = new[] { new { @object = "embedding", index = 0, embedding = new float[] { input.Length, 0, 0, input.StartsWith('a') ? 1 : 0 } } },
                    usage = new { prompt_tokens = 1, total_tokens = 1 },
                })
                : """{"error": {"message": "the embedding model is overloaded", "type": "server_error"}}""";
            var bytes = Encoding.UTF8.GetBytes(reply);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    [Fact]
    public void EmbedsThroughTheOpenAiEndpointAndNormalises()
    {
        Environment.SetEnvironmentVariable("TAKASE_TEST_EMBED_KEY", "sk-test");
        var source = new RemoteEmbeddings(Endpoint, "emb-small", "TAKASE_TEST_EMBED_KEY");
        var v = source.Embed("abc");
        double[] expected = [3 / Math.Sqrt(10), 0, 0, 1 / Math.Sqrt(10)];
        Assert.Equal(4, v.Length);
        for (var i = 0; i < 4; i++) Assert.Equal(expected[i], v[i], 6);
        var request = Assert.Single(_requests);
        Assert.Equal(("/v1/embeddings", "emb-small", "abc", "Bearer sk-test"), request);
        Assert.Equal(new EmbeddingSourceSpec { Kind = "remote", Endpoint = Endpoint, Model = "emb-small", ApiKeyVariable = "TAKASE_TEST_EMBED_KEY" }, source.Spec);
    }

    [Fact]
    public void AServerErrorBecomesAnEmbeddingExceptionNamingTheEndpoint()
    {
        _status = 500;
        var source = new RemoteEmbeddings(Endpoint, "emb-small");
        var e = Assert.Throws<EmbeddingException>(() => source.Embed("abc"));
        Assert.Contains(Endpoint.ToString(), e.Message);
        Assert.Contains("500", e.Message);
    }

    [Fact]
    public void AMissingKeyVariableIsReportedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new RemoteEmbeddings(Endpoint, "emb", "TAKASE_TEST_NO_SUCH_KEY"));
        Assert.Contains("TAKASE_TEST_NO_SUCH_KEY", e.Message);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
