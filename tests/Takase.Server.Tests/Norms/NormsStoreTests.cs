using Dapper;
using Npgsql;
using Takase.Server.Norms;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Norms;

/// <summary>Norms versions and assignments in the store, written once and run on SQLite and on PostgreSQL.</summary>
public abstract class NormsStoreTests : IAsyncLifetime
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private TakaseStore? _store;

    /// <summary>Opens the store on a fresh database (or skips).</summary>
    protected abstract Task<TakaseStore> OpenAsync(EncryptionKeyRing keys);

    /// <summary>Removes the database.</summary>
    protected abstract Task DropAsync();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _store?.Dispose();
        await DropAsync();
        GC.SuppressFinalize(this);
    }

    private async Task<TakaseStore> Store() => _store ??= await OpenAsync(new EncryptionKeyRing(Key, []));

    [Fact]
    public async Task VersionsCountUpPerProfileAndKeepTheFirstSpelling()
    {
        var store = await Store();
        var a1 = await store.AddNormsVersionAsync("Strict", """{"input":[]}""", "key_a", Cancel);
        var b1 = await store.AddNormsVersionAsync("lenient", "{}", "key_a", Cancel);
        var a2 = await store.AddNormsVersionAsync("strict", """{"overlays":[]}""", "key_b", Cancel);
        Assert.Equal((1, 1, 2), (a1.Version, b1.Version, a2.Version));
        Assert.Equal("Strict", a2.Name);
        var strict = await store.ListNormsVersionsAsync("STRICT", Cancel);
        Assert.Equal([(1, """{"input":[]}""", "key_a"), (2, """{"overlays":[]}""", "key_b")], strict.Select(v => (v.Version, v.Definition, v.Author)));
        Assert.Equal(3, (await store.ListNormsVersionsAsync(cancel: Cancel)).Count);
    }

    [Fact]
    public async Task AssignmentsAreReplacedAndRemoved()
    {
        var store = await Store();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await store.SetNormsAssignmentAsync(new NormsAssignment("key", "alice", "strict", at), Cancel);
        await store.SetNormsAssignmentAsync(new NormsAssignment("profile", "auto", "lenient", at), Cancel);
        await store.SetNormsAssignmentAsync(new NormsAssignment("key", "ALICE", "lenient", at), Cancel);
        Assert.Equal([new NormsAssignment("key", "ALICE", "lenient", at), new NormsAssignment("profile", "auto", "lenient", at)],
            await store.ListNormsAssignmentsAsync(Cancel));
        // A removal stays as an empty row, so other nodes learn of it.
        await store.SetNormsAssignmentAsync(new NormsAssignment("profile", "auto", "", at.AddSeconds(1)), Cancel);
        Assert.Equal([new NormsAssignment("key", "ALICE", "lenient", at), new NormsAssignment("profile", "auto", "", at.AddSeconds(1))],
            await store.ListNormsAssignmentsAsync(Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetNormsAssignmentAsync(new NormsAssignment("tenant", "x", "strict", at), Cancel));
    }
}

/// <summary>On SQLite (a file per test).</summary>
public sealed class SqliteNormsStoreTests : NormsStoreTests
{
    private readonly TempDir _dir = new();

    protected override Task<TakaseStore> OpenAsync(EncryptionKeyRing keys) => Task.FromResult(TakaseStore.OpenSqlite(_dir.File("takase.db"), keys));

    protected override Task DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>On PostgreSQL (a database per test on the server TAKASE_TEST_POSTGRES names; skipped without it).</summary>
public sealed class PostgresNormsStoreTests : NormsStoreTests
{
    private const string Variable = "TAKASE_TEST_POSTGRES";
    private readonly string _database = "takase_n_" + Guid.NewGuid().ToString("N")[..16];
    private string? _admin;

    protected override async Task<TakaseStore> OpenAsync(EncryptionKeyRing keys)
    {
        _admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(_admin)) Assert.Skip($"{Variable} is not set; PostgreSQL norms store tests need a server and a role with CREATEDB (.ci/run sets this up)");
        await using (var admin = new NpgsqlConnection(_admin))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"CREATE DATABASE {_database};");
        }
        return TakaseStore.OpenPostgres(new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ToString(), keys);
    }

    protected override async Task DropAsync()
    {
        if (_admin is null) return;
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ToString());
        await admin.OpenAsync();
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE);");
    }
}
