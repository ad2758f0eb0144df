using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using Takase.Server.Persistence.Migrations;

namespace Takase.Server.Persistence;

/// <summary>PostgreSQL through Npgsql's pooled data source; the schema lives in the connection's search path.</summary>
internal sealed class PostgresDatabase : IDatabase, IDisposable
{
    // Any constant works; it only has to be the same for every Takase node sharing the database.
    private const long MigrationLockKey = 0x74616b617365; // "takase"
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Takase:Database:ConnectionString is not a valid PostgreSQL connection string: {e.Message}", e);
        }
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}" + (builder.SearchPath is { Length: > 0 } s ? $" (schema {s})" : "");
        _source = NpgsqlDataSource.Create(builder);
    }

    public DatabaseProvider Provider => DatabaseProvider.Postgres;
    public string Description { get; }
    public IReadOnlyList<Migration> Migrations => PostgresSchema.Migrations;
    public string MigrationLockSql => $"SELECT pg_advisory_xact_lock({MigrationLockKey});";

    public async Task<DbConnection> OpenAsync(CancellationToken cancel) => await _source.OpenConnectionAsync(cancel);

    public DbConnection Open() => _source.OpenConnection();

    public DbConnection OpenForMigration() => _source.OpenConnection();

    public bool IsUnavailable(Exception e) => e switch
    {
        // Class 08: connection exceptions; 53: insufficient resources (too many connections, disk full);
        // 57P01-57P03: the server is shutting down or starting; Npgsql marks network and pool failures transient.
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
            || p.SqlState is "57P01" or "57P02" or "57P03" || p.IsTransient,
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };

    public void ClearIdleConnections() => _source.Clear();

    public void Dispose() => _source.Dispose();
}
