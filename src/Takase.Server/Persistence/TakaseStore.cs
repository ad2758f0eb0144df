using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Takase.Server.Persistence.Encryption;
using Takase.Server.Persistence.Migrations;

namespace Takase.Server.Persistence;

/// <summary>
/// The repository over SQLite or PostgreSQL: Dapper queries written once in the SQL both engines share, conversation
/// text sealed with <see cref="FieldCipher"/> before it reaches the database, and every "cannot reach the database"
/// failure turned into one <see cref="StoreUnavailableException"/>. Split by concept into partial files.
/// </summary>
public sealed partial class TakaseStore : ITakaseStore, IDisposable
{
    private readonly IDatabase _db;
    private readonly FieldCipher _cipher;

    private TakaseStore(IDatabase db, EncryptionKeyRing keys)
    {
        _db = db;
        _cipher = new FieldCipher(keys);
        try
        {
            SchemaVersion = Migrator.Apply(db);
        }
        catch (Exception e) when (db.IsUnavailable(e))
        {
            throw new StoreUnavailableException($"could not open {db.Description} to bring its schema up to date: {e.Message}", e);
        }
    }

    /// <summary>Opens (creating if needed) a SQLite database file and applies the missing migrations.</summary>
    /// <exception cref="StoreSchemaException">the file's schema is newer than this build knows.</exception>
    public static TakaseStore OpenSqlite(string path, EncryptionKeyRing keys) => new(new SqliteDatabase(path), keys);

    /// <summary>Connects to PostgreSQL and applies the missing migrations.</summary>
    /// <exception cref="StoreSchemaException">the schema is newer than this build knows.</exception>
    public static TakaseStore OpenPostgres(string connectionString, EncryptionKeyRing keys) => new(new PostgresDatabase(connectionString), keys);

    /// <summary>
    /// Opens the store the options describe: the provider, the current and previous keys, and for SQLite without a
    /// configured key the generated key file beside the database (announced in the log).
    /// </summary>
    /// <param name="options">Takase:Database.</param>
    /// <param name="modelsDirectory">Where the SQLite file goes when no path is configured (the server passes Takase's home folder, ~/.takase).</param>
    /// <param name="logger">Says which database and key are in use.</param>
    public static TakaseStore Open(DatabaseOptions options, string modelsDirectory, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var provider = options.ResolveProvider();
        var sqlitePath = provider == DatabaseProvider.Sqlite ? SqlitePath(options, modelsDirectory) : null;
        var keys = ResolveKeys(options, sqlitePath, logger);
        var store = provider == DatabaseProvider.Sqlite ? OpenSqlite(sqlitePath!, keys) : OpenPostgres(options.ConnectionString!, keys);
        logger.LogInformation("records are kept in {Database} (schema {Version}); conversation text is encrypted with key {KeyId}",
            store.Description, store.SchemaVersion, EncryptionKeyRing.Format(keys.CurrentId));
        return store;
    }

    /// <summary>The SQLite file the options name, or takase.db in the models folder.</summary>
    public static string SqlitePath(DatabaseOptions options, string modelsDirectory) =>
        Path.GetFullPath(options.Path is { Length: > 0 } p ? p : Path.Combine(modelsDirectory, "takase.db"));

    /// <summary>
    /// The key ring from configuration: EncryptionKey (current) and PreviousKeys; without EncryptionKey, the SQLite
    /// key file (generated on first use). A key file left from before a key was configured still decrypts.
    /// </summary>
    /// <exception cref="ArgumentException">a malformed key, or PostgreSQL without a configured key.</exception>
    public static EncryptionKeyRing ResolveKeys(DatabaseOptions options, string? sqlitePath, ILogger logger)
    {
        var previous = options.PreviousKeys.Select((k, i) => EncryptionKeyRing.Parse(k, $"Takase:Database:PreviousKeys:{i}")).ToList();
        var keyFile = sqlitePath is null ? null : KeyFile.PathFor(sqlitePath);
        if (options.EncryptionKey is { Length: > 0 } configured)
        {
            if (keyFile is not null && KeyFile.Load(keyFile) is { } generated) previous.Add(generated);
            return new EncryptionKeyRing(EncryptionKeyRing.Parse(configured, "Takase:Database:EncryptionKey"), previous);
        }
        if (keyFile is null)
            throw new ArgumentException("Takase:Database:EncryptionKey is required with PostgreSQL (conversation text is encrypted at rest and every node must share the key); set it to `openssl rand -base64 32`, e.g. in TAKASE__Database__EncryptionKey");
        return new EncryptionKeyRing(KeyFile.LoadOrCreate(keyFile, logger), previous);
    }

    /// <inheritdoc />
    public string Description => _db.Description;

    /// <summary>The schema version in place after start-up.</summary>
    public int SchemaVersion { get; }

    /// <summary>The schema version this build knows for a provider.</summary>
    public static int LatestSchemaVersion(DatabaseProvider provider) =>
        (provider == DatabaseProvider.Sqlite ? SqliteSchema.Migrations : PostgresSchema.Migrations).Count;

    /// <summary>The key ring, for rotation.</summary>
    public EncryptionKeyRing Keys => _cipher.Keys;

    /// <inheritdoc />
    public void Dispose() => (_db as IDisposable)?.Dispose();

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static CommandDefinition Sql(string sql, object? parameters = null, DbTransaction? transaction = null, CancellationToken cancel = default) =>
        new(sql, parameters, transaction, cancellationToken: cancel);

    /// <summary>Runs <paramref name="work"/> on a fresh connection; unreachable-database errors become <see cref="StoreUnavailableException"/>.</summary>
    private async Task<T> RunAsync<T>(string what, Func<DbConnection, Task<T>> work, CancellationToken cancel)
    {
        try
        {
            await using var connection = await _db.OpenAsync(cancel);
            return await work(connection);
        }
        catch (Exception e) when (_db.IsUnavailable(e))
        {
            throw Unavailable(what, e);
        }
    }

    /// <summary>Like <see cref="RunAsync{T}"/>, inside one transaction that commits when <paramref name="work"/> returns.</summary>
    private Task<T> InTransactionAsync<T>(string what, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancel) =>
        RunAsync(what, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancel);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancel);
            return result;
        }, cancel);

    /// <summary>The synchronous form, for the route log.</summary>
    private T Run<T>(string what, Func<DbConnection, T> work)
    {
        try
        {
            using var connection = _db.Open();
            return work(connection);
        }
        catch (Exception e) when (_db.IsUnavailable(e))
        {
            throw Unavailable(what, e);
        }
    }

    private StoreUnavailableException Unavailable(string what, Exception e)
    {
        _db.ClearIdleConnections();
        return new($"could not {what}: {_db.Description} is unavailable ({e.Message}); retry later", e);
    }
}
