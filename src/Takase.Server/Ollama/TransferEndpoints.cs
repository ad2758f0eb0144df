using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Server.Hosting;

namespace Takase.Server.Ollama;

/// <summary>POST /api/pull and /api/push {model, insecure?, stream?}: progress objects streamed as Ollama streams them.</summary>
public static class TransferEndpoints
{
    /// <summary>The request body of pull and push.</summary>
    public sealed record TransferRequest
    {
        /// <summary>Model name.</summary>
        [JsonPropertyName("model")] public string? Model { get; init; }
        /// <summary>Older spelling of model.</summary>
        [JsonPropertyName("name")] public string? Name { get; init; }
        /// <summary>Stream progress (default) or answer once at the end.</summary>
        [JsonPropertyName("stream")] public bool? Stream { get; init; }
        /// <summary>Allow plain HTTP registries (accepted; the registry URL setting decides the scheme).</summary>
        [JsonPropertyName("insecure")] public bool Insecure { get; init; }
    }

    /// <summary>POST /api/pull: from an Ollama registry, or from Hugging Face for hf.co/… names.</summary>
    public static Task PullAsync(HttpContext http) => TransferAsync(http, push: false);

    /// <summary>POST /api/push: to an Ollama registry.</summary>
    public static Task PushAsync(HttpContext http) => TransferAsync(http, push: true);

    private static async Task TransferAsync(HttpContext http, bool push)
    {
        var request = await OllamaJson.ReadAsync<TransferRequest>(http.Request);
        var name = OllamaCalls.RequireModel(string.IsNullOrEmpty(request.Model) ? request.Name : request.Model);
        if (!ModelName.TryParse(name, out _) && !HuggingFaceClient.IsHuggingFaceName(name))
            throw new ArgumentException($"invalid model name '{name}'");
        var services = http.RequestServices;
        var store = services.GetRequiredService<ModelStore>();
        var options = services.GetRequiredService<TakaseServerOptions>();
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("registry");
        client.Timeout = Timeout.InfiniteTimeSpan;
        var registryOptions = new RegistryClientOptions { BaseAddress = options.RegistryUrl is { } u ? new Uri(u) : null };
        await StreamProgressAsync(http, request.Stream, async (progress, cancel) =>
        {
            if (push) await new OllamaRegistryClient(client, store, registryOptions).PushAsync(name, progress, cancel);
            else if (HuggingFaceClient.IsHuggingFaceName(name))
                await new HuggingFaceClient(client, store, registryOptions with { BaseAddress = null }).PullAsync(name, progress, cancel);
            else await new OllamaRegistryClient(client, store, registryOptions).PullAsync(name, progress, cancel);
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> and streams its progress objects as NDJSON (or, with stream:false, answers once
    /// with {"status":"success"}); errors before the first line are ordinary error responses, later ones a final
    /// {"error": …} line.
    /// </summary>
    internal static async Task StreamProgressAsync(HttpContext http, bool? stream, Func<IProgress<PullProgress>, CancellationToken, Task> work)
    {
        var cancel = http.RequestAborted;
        var lines = Channel.CreateUnbounded<PullProgress>();
        // Reports go straight into the channel, in the order they are made (Progress<T> would post each one to the
        // thread pool, reordering them and racing the end of the stream).
        var progress = new ChannelProgress(lines.Writer);
        var running = Task.Run(async () =>
        {
            try
            {
                await work(progress, cancel);
            }
            finally
            {
                lines.Writer.TryComplete();
            }
        }, cancel);

        if (stream == false)
        {
            await foreach (var _ in lines.Reader.ReadAllAsync(cancel)) { }
            await running; // errors become the API's error response
            await http.Response.WriteAsJsonAsync(new PullProgress("success"), cancel);
            return;
        }
        var writer = new NdjsonWriter(http.Response);
        try
        {
            await foreach (var line in lines.Reader.ReadAllAsync(cancel)) await writer.WriteAsync(line, cancel);
            await running;
        }
        catch (Exception e) when (writer.Started && e is not OperationCanceledException)
        {
            await writer.WriteErrorAsync(e.Message, CancellationToken.None);
        }
    }
}

/// <summary>Progress reports written synchronously, in order, to a channel.</summary>
internal sealed class ChannelProgress(ChannelWriter<PullProgress> writer) : IProgress<PullProgress>
{
    /// <inheritdoc />
    public void Report(PullProgress value) => writer.TryWrite(value);
}
