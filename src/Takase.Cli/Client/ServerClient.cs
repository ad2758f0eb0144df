using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Server.Hosting;

namespace Takase.Cli.Client;

/// <summary>
/// The CLI's connection to a running `takase serve` (TAKASE_HOST / OLLAMA_HOST, default 127.0.0.1:11434), as
/// Ollama's CLI talks to its server: list, ps, show, cp, rm and stop are requests to the Ollama API. A server that
/// requires API keys gets the one in TAKASE_API_KEY as a Bearer token.
/// </summary>
internal sealed class ServerClient : IDisposable
{
    private readonly HttpClient _http;

    public ServerClient(string? host = null)
    {
        var address = host ?? Environment.GetEnvironmentVariable("TAKASE_HOST") ?? Environment.GetEnvironmentVariable("OLLAMA_HOST") ?? "127.0.0.1:11434";
        var url = HostAddress.Parse(address);
        // A server bound to every interface is reached on loopback.
        if (url.Host is "0.0.0.0" or "[::]") url = new UriBuilder(url) { Host = "127.0.0.1" }.Uri;
        BaseAddress = url;
        _http = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        if (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key)
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>The environment variable holding the API key sent to servers that require one.</summary>
    public const string ApiKeyVariable = "TAKASE_API_KEY";

    public Uri BaseAddress { get; }

    public Task<JsonNode> GetAsync(string path, CancellationToken cancel) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancel);

    public Task<JsonNode> PostAsync(string path, object body, CancellationToken cancel) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, cancel);

    public Task<JsonNode> DeleteAsync(string path, object body, CancellationToken cancel) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Content = JsonContent.Create(body) }, cancel);

    /// <summary>Posts and reads an NDJSON stream, object by object; an {"error": …} line is thrown.</summary>
    public async IAsyncEnumerable<JsonNode> StreamAsync(string path, object body, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) },
                HttpCompletionOption.ResponseHeadersRead, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new ServerUnavailableException(BaseAddress, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancel);
                string? message = null;
                try { message = (string?)JsonNode.Parse(text)?["error"]; } catch (JsonException) { }
                throw new ServerErrorException((int)response.StatusCode, message ?? text);
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                if (line.Length == 0) continue;
                var node = JsonNode.Parse(line) ?? throw new ServerErrorException(500, "the server sent an empty stream line");
                if (node["error"] is { } error) throw new ServerErrorException(500, (string?)error ?? "error");
                yield return node;
            }
        }
    }

    private async Task<JsonNode> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new ServerUnavailableException(BaseAddress, e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            JsonNode? node = null;
            try { node = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text); } catch (JsonException) { }
            if (!response.IsSuccessStatusCode)
                throw new ServerErrorException((int)response.StatusCode, (string?)node?["error"] ?? text);
            return node ?? throw new ServerErrorException((int)response.StatusCode, "the server's answer is not JSON");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>No server answers at the address.</summary>
internal sealed class ServerUnavailableException(Uri address, Exception inner)
    : Exception($"could not connect to the Takase server at {address}; start it with `takase serve` (or set TAKASE_HOST)", inner);

/// <summary>The server answered with an error.</summary>
internal sealed class ServerErrorException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
