namespace Takase.Server.Persistence;

/// <summary>What an API key may do.</summary>
public enum ApiKeyRole
{
    /// <summary>Call the Ollama/OpenAI APIs and give feedback.</summary>
    Client,
    /// <summary>Also work the operator queue and console.</summary>
    Operator,
    /// <summary>Also manage keys, profiles and settings.</summary>
    Admin,
}

/// <summary>
/// An API key as stored: never the secret, only its SHA-256 hash and the public prefix the secret starts with
/// (which finds the row without scanning).
/// </summary>
public sealed record ApiKey
{
    /// <summary>Unique id ("key_…"), for listings and revocation.</summary>
    public required string Id { get; init; }
    /// <summary>A person-given label ("ci", "alice's laptop").</summary>
    public required string Name { get; init; }
    /// <summary>What it may do.</summary>
    public required ApiKeyRole Role { get; init; }
    /// <summary>The secret's first characters ("tk_3f9a1c2b"), safe to show.</summary>
    public required string Prefix { get; init; }
    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it was revoked, or null while it is valid.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A key just created: the only moment its secret is known.</summary>
/// <param name="Key">The stored record.</param>
/// <param name="Secret">The secret to hand to the user ("tk_…"); Takase keeps only its hash.</param>
public sealed record NewApiKey(ApiKey Key, string Secret);

/// <summary>The outcome of presenting a secret.</summary>
public enum ApiKeyCheck
{
    /// <summary>A valid key.</summary>
    Valid,
    /// <summary>No key has this secret (forged, mistyped, or not a Takase key): 401.</summary>
    Unknown,
    /// <summary>The key was revoked: 403.</summary>
    Revoked,
}
