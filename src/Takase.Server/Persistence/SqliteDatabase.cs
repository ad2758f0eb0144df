using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Takase.Server.Persistence.Migrations;

namespace Takase.Server.Persistence;

/// <summary>
/// SQLite: one file, WAL journal (readers never block the writer), a busy timeout instead of instant "database is
/// locked" errors, and foreign keys enforced on every connection.
/// </summary>
internal sealed class SqliteDatabase : IDatabase
{
    private const int BusyTimeoutMs = 5000; // also in PerConnectionPragmas
    private readonly string _everyday;
    private readonly string _create;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
            Pooling = true,
            // Everyday connections never create the file: if the volume vanished, failing (and queueing) beats
            // writing into a fresh empty database that hides the real one.
            Mode = SqliteOpenMode.ReadWrite,
        };
        _everyday = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _create = builder.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;
    public string Description => $"SQLite {Path}";
    public IReadOnlyList<Migration> Migrations => SqliteSchema.Migrations;
    // Microsoft.Data.Sqlite begins transactions with BEGIN IMMEDIATE: the write lock is taken up front.
    public string MigrationLockSql => "";

    public async Task<DbConnection> OpenAsync(CancellationToken cancel)
    {
        var connection = new SqliteConnection(_everyday);
        try
        {
            await connection.OpenAsync(cancel);
            await connection.ExecuteAsync(PerConnectionPragmas);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public DbConnection Open() => OpenWith(_everyday);

    public DbConnection OpenForMigration()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var connection = OpenWith(_create);
        // WAL is a property of the file: set once, it stays. It cannot change inside a transaction, so it goes here.
        var mode = connection.ExecuteScalar<string>("PRAGMA journal_mode = WAL;");
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new StoreUnavailableException($"{Description} refused WAL mode (journal_mode is '{mode}'); is it on a network file system?");
        return connection;
    }

    public bool IsUnavailable(Exception e) => e switch
    {
        // Primary result codes: BUSY 5, LOCKED 6, READONLY 8, IOERR 10, FULL 13, CANTOPEN 14.
        SqliteException s => (s.SqliteErrorCode & 0xff) is 5 or 6 or 8 or 10 or 13 or 14,
        IOException => true,
        _ => false,
    };

    public void ClearIdleConnections()
    {
        using var connection = new SqliteConnection(_everyday);
        SqliteConnection.ClearPool(connection);
    }

    // synchronous=NORMAL is durable with WAL except for the last transactions on power loss; busy_timeout waits for a lock.
    private const string PerConnectionPragmas = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";

    private static SqliteConnection OpenWith(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            connection.Execute(PerConnectionPragmas);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
