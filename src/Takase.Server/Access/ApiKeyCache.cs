using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>
/// Remembers recent API-key checks for a short time (<c>Takase:Auth:KeyCacheTtl</c>, 30 s by default), so a client
/// sending many requests costs one database read per TTL instead of one per request — valid, revoked and unknown
/// outcomes alike (unknown ones too, so a flood of forged keys does not reach the database either).
/// </summary>
/// <remarks>
/// Entries are keyed by the SHA-256 of the secret, never the secret. A key revoked through this node's admin API is
/// dropped at once (<see cref="Forget"/>); a key revoked on another node sharing the database is refused here within
/// one TTL, when its entry expires. A store outage is never cached. The cache holds at most
/// <c>Takase:Auth:KeyCacheSize</c> entries: when full it drops expired ones, and if none are, starts over (memory
/// stays bounded whatever keys are presented; the cost is a few extra reads).
/// </remarks>
public sealed class ApiKeyCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private long _storeReads;

    /// <summary>A cache of checks for <paramref name="ttl"/> (zero: every check reads the store), holding at most <paramref name="capacity"/> keys.</summary>
    public ApiKeyCache(TimeSpan ttl, int capacity = 10_000, TimeProvider? time = null)
    {
        if (ttl < TimeSpan.Zero) throw new ArgumentException($"Takase:Auth:KeyCacheTtl must be zero (off) or positive, not {ttl}");
        if (capacity < 1) throw new ArgumentException($"Takase:Auth:KeyCacheSize must be at least 1, not {capacity}");
        _ttl = ttl;
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many checks reached the store (a measure of the cache's effect, for tests and metrics).</summary>
    public long StoreReads => Interlocked.Read(ref _storeReads);

    /// <summary>Keys currently remembered.</summary>
    public int Count => _entries.Count;

    /// <summary>The outcome of presenting <paramref name="secret"/>: remembered if fresh, else read from <paramref name="store"/> and remembered.</summary>
    /// <exception cref="StoreUnavailableException">the store cannot be reached and nothing fresh is remembered.</exception>
    public async Task<(ApiKeyCheck Check, ApiKey? Key)> CheckAsync(string secret, IApiKeyStore store, CancellationToken cancel)
    {
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(id, out var cached) && cached.Expires > now) return (cached.Check, cached.Key);

        Interlocked.Increment(ref _storeReads);
        var (check, key) = await store.CheckApiKeyAsync(secret, cancel);
        if (_ttl > TimeSpan.Zero)
        {
            if (_entries.Count >= _capacity) MakeRoom(now);
            _entries[id] = new Entry(check, key, now + _ttl);
        }
        return (check, key);
    }

    /// <summary>Drops what is remembered about the key with this id (it was revoked or changed on this node).</summary>
    public void Forget(string keyId)
    {
        foreach (var (id, entry) in _entries)
            if (entry.Key?.Id == keyId) _entries.TryRemove(id, out _);
    }

    private void MakeRoom(DateTimeOffset now)
    {
        foreach (var (id, entry) in _entries)
            if (entry.Expires <= now) _entries.TryRemove(id, out _);
        if (_entries.Count >= _capacity) _entries.Clear();
    }

    private sealed record Entry(ApiKeyCheck Check, ApiKey? Key, DateTimeOffset Expires);
}
