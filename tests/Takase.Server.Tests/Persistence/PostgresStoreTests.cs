using System.Data.Common;
using Dapper;
using Npgsql;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;

namespace Takase.Server.Tests.Persistence;

/// <summary>
/// The repository suite on PostgreSQL: a fresh database per test on the server TAKASE_TEST_POSTGRES names (a role
/// with CREATEDB; .ci/run starts one). Without the variable every test skips with that message.
/// </summary>
public sealed class PostgresStoreTests : StoreTests
{
    private const string Variable = "TAKASE_TEST_POSTGRES";
    private readonly string _database = "takase_t_" + Guid.NewGuid().ToString("N")[..16];
    private string? _admin;
    private string? _connectionString;

    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override async Task CreateDatabaseAsync()
    {
        _admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(_admin))
            Assert.Skip($"{Variable} is not set; PostgreSQL store tests need a server and a role with CREATEDB, e.g. {Variable}=\"Host=127.0.0.1;Username=takase_test;Password=takase_test;Database=takase_test\" (.ci/run sets this up)");
        await using (var admin = new NpgsqlConnection(_admin))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"CREATE DATABASE {_database};");
        }
        _connectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ToString();
    }

    protected override TakaseStore OpenStore(EncryptionKeyRing keys) => TakaseStore.OpenPostgres(_connectionString!, keys);

    protected override DbConnection OpenRaw()
    {
        var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        c.Open();
        return c;
    }

    // A real outage for this test's database only: no new connections are allowed, and the open ones are cut.
    protected override Task MakeUnavailableAsync() => Admin($"""
        ALTER DATABASE {_database} CONNECTION LIMIT 0;
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{_database}' AND pid <> pg_backend_pid();
        """);

    protected override Task RestoreAsync() => Admin($"ALTER DATABASE {_database} CONNECTION LIMIT -1;");

    protected override Task DropDatabaseAsync() => _connectionString is null ? Task.CompletedTask : Admin($"DROP DATABASE IF EXISTS {_database} WITH (FORCE);");

    private async Task Admin(string sql)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ToString());
        await admin.OpenAsync();
        await admin.ExecuteAsync(sql);
    }
}
