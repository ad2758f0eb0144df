using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Access;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Access;

/// <summary>API-key checks are remembered for a short time: one store read per key and TTL, revocations honoured.</summary>
public sealed class ApiKeyCacheTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();
    private readonly TakaseStore _store;
    private readonly CountingKeyStore _counting;

    public ApiKeyCacheTests()
    {
        _store = TakaseStore.OpenSqlite(_dir.File("takase.db"), new EncryptionKeyRing(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _counting = new CountingKeyStore(_store);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Repeated_checks_of_one_key_read_the_store_once_within_the_TTL_and_again_after_it()
    {
        var time = new ManualTime();
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(30), time: time);
        var created = await _store.CreateApiKeyAsync("ci", ApiKeyRole.Client, Cancel);

        for (var i = 0; i < 5; i++)
        {
            var (check, key) = await cache.CheckAsync(created.Secret, _counting, Cancel);
            Assert.Equal(ApiKeyCheck.Valid, check);
            Assert.Equal(created.Key.Id, key!.Id);
        }
        Assert.Equal(1, _counting.Checks);

        time.Advance(TimeSpan.FromSeconds(31));
        await cache.CheckAsync(created.Secret, _counting, Cancel);
        Assert.Equal(2, _counting.Checks);
        Assert.Equal(2, cache.StoreReads);
    }

    [Fact]
    public async Task Unknown_keys_are_remembered_too_so_forgeries_do_not_reach_the_store()
    {
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
            Assert.Equal(ApiKeyCheck.Unknown, (await cache.CheckAsync("tk_deadbeef_forged", _counting, Cancel)).Check);
        Assert.Equal(1, _counting.Checks);
    }

    [Fact]
    public async Task A_revocation_on_another_node_is_honoured_when_the_entry_expires_and_on_this_node_at_once()
    {
        var time = new ManualTime();
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(30), time: time);
        var created = await _store.CreateApiKeyAsync("laptop", ApiKeyRole.Operator, Cancel);
        Assert.Equal(ApiKeyCheck.Valid, (await cache.CheckAsync(created.Secret, _counting, Cancel)).Check);

        // Another node revokes through the shared database: this node still remembers "valid" until the TTL passes.
        await _store.RevokeApiKeyAsync(created.Key.Id, Cancel);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ApiKeyCheck.Valid, (await cache.CheckAsync(created.Secret, _counting, Cancel)).Check);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ApiKeyCheck.Revoked, (await cache.CheckAsync(created.Secret, _counting, Cancel)).Check);

        // Revoked here: forgotten at once.
        var other = await _store.CreateApiKeyAsync("ci", ApiKeyRole.Client, Cancel);
        Assert.Equal(ApiKeyCheck.Valid, (await cache.CheckAsync(other.Secret, _counting, Cancel)).Check);
        await _store.RevokeApiKeyAsync(other.Key.Id, Cancel);
        cache.Forget(other.Key.Id);
        Assert.Equal(ApiKeyCheck.Revoked, (await cache.CheckAsync(other.Secret, _counting, Cancel)).Check);
    }

    [Fact]
    public async Task The_cache_stays_within_its_size_whatever_is_presented()
    {
        var cache = new ApiKeyCache(TimeSpan.FromMinutes(5), capacity: 4);
        for (var i = 0; i < 10; i++)
        {
            await cache.CheckAsync($"tk_forged_{i}", _counting, Cancel);
            Assert.InRange(cache.Count, 1, 4);
        }
        Assert.Equal(10, _counting.Checks);
    }

    [Fact]
    public async Task A_zero_TTL_turns_the_cache_off()
    {
        var cache = new ApiKeyCache(TimeSpan.Zero);
        var created = await _store.CreateApiKeyAsync("ci", ApiKeyRole.Client, Cancel);
        for (var i = 0; i < 3; i++) await cache.CheckAsync(created.Secret, _counting, Cancel);
        Assert.Equal(3, _counting.Checks);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Through_the_server_many_requests_read_the_key_once_and_an_admin_revocation_refuses_the_next_at_once()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var cache = server.Services.GetRequiredService<ApiKeyCache>();
        var (id, secret) = await server.CreateKeyAsync("ci", "client");
        var readsBefore = cache.StoreReads;

        for (var i = 0; i < 5; i++)
        {
            using var ok = await server.SendAsync(HttpMethod.Get, "/api/tags", secret);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Assert.Equal(readsBefore + 1, cache.StoreReads);

        using var revoke = await server.SendAsync(HttpMethod.Delete, $"/api/admin/keys/{id}", AccessServer.AdminKey);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var refused = await server.SendAsync(HttpMethod.Get, "/api/tags", secret);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync(Cancel));
    }

    [Theory]
    [InlineData("--Takase:Auth:KeyCacheTtl=-00:00:01", "Takase:Auth:KeyCacheTtl")]
    [InlineData("--Takase:Auth:KeyCacheTtl=02:00:00", "Takase:Auth:KeyCacheTtl")]
    [InlineData("--Takase:Auth:KeyCacheSize=0", "Takase:Auth:KeyCacheSize")]
    public void Bad_cache_settings_stop_the_build_naming_the_setting(string argument, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Takase.Server.Hosting.TakaseServer.Build([argument], o => o.Host = "127.0.0.1:0"));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>The real store, counting the key checks that reach it.</summary>
    private sealed class CountingKeyStore(IApiKeyStore inner) : IApiKeyStore
    {
        private int _checks;
        public int Checks => _checks;

        public Task<NewApiKey> CreateApiKeyAsync(string name, ApiKeyRole role, CancellationToken cancel = default) => inner.CreateApiKeyAsync(name, role, cancel);

        public Task<(ApiKeyCheck Check, ApiKey? Key)> CheckApiKeyAsync(string secret, CancellationToken cancel = default)
        {
            Interlocked.Increment(ref _checks);
            return inner.CheckApiKeyAsync(secret, cancel);
        }

        public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancel = default) => inner.ListApiKeysAsync(cancel);
        public Task<ApiKey> RevokeApiKeyAsync(string id, CancellationToken cancel = default) => inner.RevokeApiKeyAsync(id, cancel);
    }

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
