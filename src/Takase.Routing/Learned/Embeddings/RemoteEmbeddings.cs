using System.ClientModel;
using OpenAI;
using OpenAI.Embeddings;

namespace Takase.Routing.Learned.Embeddings;

/// <summary>
/// Embeddings from an OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, Azure OpenAI, another Takase or
/// Ollama node, vLLM) through the OpenAI SDK, L2-normalised. The API key is read from an environment variable named in
/// the configuration, never stored in the router file.
/// </summary>
public sealed class RemoteEmbeddings : IEmbeddingSource
{
    private readonly EmbeddingClient _client;

    /// <summary>Creates a client for <paramref name="model"/> at <paramref name="endpoint"/> (the base URL, …/v1).</summary>
    public RemoteEmbeddings(Uri endpoint, string model, string? apiKeyVariable = null, TimeSpan? timeout = null)
    {
        Endpoint = endpoint;
        Model = model;
        ApiKeyVariable = apiKeyVariable;
        var key = apiKeyVariable is null ? null : Environment.GetEnvironmentVariable(apiKeyVariable);
        if (apiKeyVariable is not null && string.IsNullOrEmpty(key))
            throw new ArgumentException($"the API key variable {apiKeyVariable} for embeddings at {endpoint} is not set");
        // Local servers take any key; the SDK insists on one.
        _client = new EmbeddingClient(model, new ApiKeyCredential(key ?? "unused"), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            NetworkTimeout = timeout ?? TimeSpan.FromSeconds(30),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 1),
        });
    }

    /// <summary>The base URL.</summary>
    public Uri Endpoint { get; }
    /// <summary>The embedding model id.</summary>
    public string Model { get; }
    /// <summary>The environment variable with the API key, if any.</summary>
    public string? ApiKeyVariable { get; }

    /// <inheritdoc />
    public EmbeddingSourceSpec Spec => new() { Kind = "remote", Endpoint = Endpoint, Model = Model, ApiKeyVariable = ApiKeyVariable };

    /// <inheritdoc />
    public float[] Embed(string text)
    {
        try
        {
            var vector = _client.GenerateEmbedding(text).Value.ToFloats().ToArray();
            if (vector.Length == 0) throw new EmbeddingException($"{Endpoint} returned an empty embedding for model {Model}");
            return EmbeddingSources.Normalize(vector);
        }
        catch (ClientResultException e)
        {
            throw new EmbeddingException($"embedding request to {Endpoint} (model {Model}) failed with HTTP {e.Status}: {e.Message}", e);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new EmbeddingException($"embedding request to {Endpoint} (model {Model}) failed: {e.Message}", e);
        }
    }
}
