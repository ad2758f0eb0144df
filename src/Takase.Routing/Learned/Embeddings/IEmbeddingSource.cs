namespace Takase.Routing.Learned.Embeddings;

/// <summary>
/// Turns a prompt into a unit-length vector for the embedding-based routers (matrix factorisation, similarity). The
/// router never knows where vectors come from: hashed n-grams (no model), a local GGUF model run in-process, or a
/// remote OpenAI-compatible /v1/embeddings endpoint.
/// </summary>
public interface IEmbeddingSource
{
    /// <summary>How to build this source again when a trained router is loaded (saved in the router's file).</summary>
    EmbeddingSourceSpec Spec { get; }

    /// <summary>The vector of <paramref name="text"/>, L2-normalised.</summary>
    /// <exception cref="EmbeddingException">the source failed (model error, endpoint down, bad reply).</exception>
    float[] Embed(string text);
}

/// <summary>An embedding that could not be made, naming the source and what went wrong.</summary>
public sealed class EmbeddingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A serialisable description of an embedding source: the trained router stores it so the same vectors are made at
/// decision time as at training time.
/// </summary>
public sealed record EmbeddingSourceSpec
{
    /// <summary>"hashed", "gguf" or "remote".</summary>
    public required string Kind { get; init; }
    /// <summary>Hashed: the vector length.</summary>
    public int? Dimension { get; init; }
    /// <summary>GGUF: the model file.</summary>
    public string? Path { get; init; }
    /// <summary>GGUF: the most prompt tokens embedded (the first ones); null: the model's context.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>Remote: the OpenAI-compatible base URL (…/v1).</summary>
    public Uri? Endpoint { get; init; }
    /// <summary>Remote: the embedding model id.</summary>
    public string? Model { get; init; }
    /// <summary>Remote: the environment variable holding the API key (keys never live in files).</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>One line for logs and the CLI.</summary>
    public override string ToString() => Kind switch
    {
        "hashed" => $"hashed n-grams ({Dimension} dims)",
        "gguf" => $"local GGUF {Path}" + (MaxTokens is { } max ? $" (first {max} tokens)" : ""),
        "remote" => $"remote {Model} at {Endpoint}",
        _ => Kind,
    };
}

/// <summary>Builds embedding sources from their specs.</summary>
public static class EmbeddingSources
{
    /// <summary>The source a spec describes.</summary>
    /// <exception cref="ArgumentException">an unknown kind or a missing field, named.</exception>
    public static IEmbeddingSource Create(EmbeddingSourceSpec spec) => spec.Kind switch
    {
        "hashed" => new HashedNgramEmbeddings(spec.Dimension ?? HashedNgramEmbeddings.DefaultDimension),
        "gguf" => new LocalGgufEmbeddings(spec.Path ?? throw new ArgumentException("a gguf embedding source needs the model file path"), spec.MaxTokens),
        "remote" => new RemoteEmbeddings(
            spec.Endpoint ?? throw new ArgumentException("a remote embedding source needs its endpoint URL"),
            spec.Model ?? throw new ArgumentException("a remote embedding source needs the model id"),
            spec.ApiKeyVariable),
        _ => throw new ArgumentException($"unknown embedding source '{spec.Kind}'; expected hashed, gguf or remote"),
    };

    /// <summary>Scales <paramref name="v"/> to unit length in place (a zero vector stays zero).</summary>
    public static float[] Normalize(float[] v)
    {
        var sum = 0.0;
        foreach (var x in v) sum += (double)x * x;
        if (sum <= 0) return v;
        var inv = 1 / Math.Sqrt(sum);
        for (var i = 0; i < v.Length; i++) v[i] = (float)(v[i] * inv);
        return v;
    }
}
