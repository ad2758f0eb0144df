using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    // A secret reads "tk_<8 hex>_<43 base64url>": the first 11 characters are the stored, showable prefix that finds
    // the row; the rest is 256 random bits. Only SHA-256 of the whole secret is stored: a leaked database yields no key.
    private const string SecretStart = "tk_";
    private const int PrefixLength = 11;

    /// <inheritdoc />
    public Task<NewApiKey> CreateApiKeyAsync(string name, ApiKeyRole role, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) throw new ArgumentException($"an API key needs a name of 1–200 characters, not '{name}'");
        if (!Enum.IsDefined(role)) throw new ArgumentException($"unknown API key role {role}");
        var prefix = SecretStart + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = prefix + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Id = "key_" + Guid.CreateVersion7().ToString("N"),
            Name = name.Trim(),
            Role = role,
            Prefix = prefix,
            CreatedAt = Time(Ms(DateTimeOffset.UtcNow)),
        };
        return RunAsync($"create API key '{name}'", async c =>
        {
            await c.ExecuteAsync(Sql("""
                INSERT INTO api_keys (id, name, role, prefix, secret_hash, created_ms, revoked_ms)
                VALUES (@Id, @Name, @Role, @Prefix, @Hash, @CreatedMs, NULL);
                """, new { key.Id, key.Name, Role = RoleName(role), key.Prefix, Hash = Hash(secret), CreatedMs = Ms(key.CreatedAt) }, cancel: cancel));
            return new NewApiKey(key, secret);
        }, cancel);
    }

    /// <inheritdoc />
    public async Task<(ApiKeyCheck Check, ApiKey? Key)> CheckApiKeyAsync(string secret, CancellationToken cancel = default)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 200 || !secret.StartsWith(SecretStart, StringComparison.Ordinal)
            || secret.Length <= PrefixLength || secret[PrefixLength] != '_')
            return (ApiKeyCheck.Unknown, null);
        var prefix = secret[..PrefixLength];
        var row = await RunAsync("check an API key", c => c.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql(
            $"SELECT {ApiKeyColumns}, secret_hash AS SecretHash FROM api_keys WHERE prefix = @prefix;", new { prefix }, cancel: cancel)), cancel);
        // Compare in constant time so the response time does not reveal how much of a guessed secret matched.
        if (row is null || !CryptographicOperations.FixedTimeEquals(row.SecretHash, Hash(secret))) return (ApiKeyCheck.Unknown, null);
        var key = ToApiKey(row);
        return (key.RevokedAt is null ? ApiKeyCheck.Valid : ApiKeyCheck.Revoked, key);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancel = default) =>
        RunAsync("list API keys", async c =>
            (IReadOnlyList<ApiKey>)(await c.QueryAsync<ApiKeyRow>(Sql($"SELECT {ApiKeyColumns} FROM api_keys ORDER BY created_ms DESC, id DESC;", cancel: cancel)))
                .Select(ToApiKey).ToList(), cancel);

    /// <inheritdoc />
    public Task<ApiKey> RevokeApiKeyAsync(string id, CancellationToken cancel = default) =>
        InTransactionAsync($"revoke API key {id}", async (c, tx) =>
        {
            await c.ExecuteAsync(Sql("UPDATE api_keys SET revoked_ms = @now WHERE id = @id AND revoked_ms IS NULL;", new { id, now = Ms(DateTimeOffset.UtcNow) }, tx, cancel));
            var row = await c.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql($"SELECT {ApiKeyColumns} FROM api_keys WHERE id = @id;", new { id }, tx, cancel))
                ?? throw new RecordNotFoundException($"no API key has the id {id}");
            return ToApiKey(row);
        }, cancel);

    private const string ApiKeyColumns = "id AS Id, name AS Name, role AS Role, prefix AS Prefix, created_ms AS CreatedMs, revoked_ms AS RevokedMs";

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string RoleName(ApiKeyRole role) => role.ToString().ToLowerInvariant();

    private static ApiKey ToApiKey(ApiKeyRow r) => new()
    {
        Id = r.Id,
        Name = r.Name,
        Role = Enum.Parse<ApiKeyRole>(r.Role, ignoreCase: true),
        Prefix = r.Prefix,
        CreatedAt = Time(r.CreatedMs),
        RevokedAt = r.RevokedMs is { } ms ? Time(ms) : null,
    };

    private sealed class ApiKeyRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public string Prefix { get; set; } = "";
        public long CreatedMs { get; set; }
        public long? RevokedMs { get; set; }
        public byte[] SecretHash { get; set; } = [];
    }
}
