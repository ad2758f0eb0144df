namespace Takase.Library.Registry;

/// <summary>
/// Where registry clients connect and how they move bytes. Defaults suit the internet; tests point
/// <see cref="BaseAddress"/> at a local server and shorten the backoff.
/// </summary>
public sealed record RegistryClientOptions
{
    /// <summary>
    /// The server every request goes to, whatever host the model name carries (a mirror, a test server).
    /// Null: <c>https://&lt;host&gt;</c> for Ollama registries, <c>https://huggingface.co</c> for Hugging Face.
    /// </summary>
    public Uri? BaseAddress { get; init; }

    /// <summary>
    /// A fixed bearer token sent as <c>Authorization</c> (the Hugging Face client falls back to <c>$HF_TOKEN</c>).
    /// Registries that answer with a <c>WWW-Authenticate: Bearer</c> challenge get the token they hand out instead.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>
    /// The ed25519 private key (OpenSSH format) that signs token requests to Ollama-style registries; created
    /// there when missing. Null: <c>$TAKASE_KEY</c>, <c>~/.takase/id_ed25519</c>, <c>~/.ollama/id_ed25519</c>
    /// (see <see cref="RegistryKeyFile"/>).
    /// </summary>
    public string? KeyPath { get; init; }

    /// <summary>A user name for Docker-style registries: sent (Basic) to their token service, or to a <c>Basic</c> challenge.</summary>
    public string? Username { get; init; }

    /// <summary>The password or access token that goes with <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Blobs at least this large are fetched as <see cref="PartCount"/> parallel ranged parts.</summary>
    public long RangedDownloadThreshold { get; init; } = 32L << 20;

    /// <summary>How many parallel ranged parts a large blob is split into.</summary>
    public int PartCount { get; init; } = 4;

    /// <summary>Consecutive failures (connection drops, 5xx, 429, stalls) tolerated per request before giving up.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The first retry's delay; each further retry doubles it up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A download that receives nothing for this long is dropped and retried.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes a part writes between saving its resume state (a crash loses at most this much per part).</summary>
    public long CheckpointBytes { get; init; } = 4L << 20;
}
