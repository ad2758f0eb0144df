using System.Text.Json.Serialization;

namespace Takase.Library.Registry;

/// <summary>
/// One progress line of a pull or push, shaped like Ollama's <c>ProgressResponse</c> so <c>/api/pull</c> and
/// <c>/api/push</c> can stream it as is. Statuses, in order: <c>pulling manifest</c>, <c>pulling &lt;12 hex&gt;</c>
/// (with <see cref="Digest"/>, <see cref="Total"/>, <see cref="Completed"/>), <c>verifying sha256 digest</c>,
/// <c>writing manifest</c>, <c>success</c>; a push reports <c>retrieving manifest</c>, <c>pushing &lt;12 hex&gt;</c>,
/// <c>pushing manifest</c>, <c>success</c>.
/// </summary>
public sealed record PullProgress(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("digest"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Digest = null,
    [property: JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Total = 0,
    [property: JsonPropertyName("completed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Completed = 0);

/// <summary>A registry or Hugging Face transfer failed; the message names the model or URL, what the server said and what to do.</summary>
public class RegistryException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status that ended the transfer, when there was one.</summary>
    public int? StatusCode { get; init; }
}

/// <summary>
/// A registry refused who we are: a token request was rejected, or a pull or push was still unauthorized after
/// the token handshake. <see cref="PublicKey"/> is the key Takase signed with, for the user to register.
/// </summary>
public sealed class RegistryAuthException(string message, Exception? inner = null) : RegistryException(message, inner)
{
    /// <summary>The public key (<c>ssh-ed25519 AAAA…</c>) the registry should know, when one is involved; the CLI prints it.</summary>
    public string? PublicKey { get; init; }
}
