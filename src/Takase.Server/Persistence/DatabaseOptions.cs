namespace Takase.Server.Persistence;

/// <summary>
/// Where Takase keeps its records (route decisions, feedback, tickets, API keys, audit log) and how it encrypts the
/// conversation text among them; bound from <c>Takase:Database</c> (or <c>TAKASE__Database__…</c> variables).
/// </summary>
public sealed class DatabaseOptions
{
    /// <summary>"sqlite" (the default: one file, nothing to install) or "postgres" (a server shared by several nodes).</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>The SQLite database file; default <c>takase.db</c> in Takase's home folder (~/.takase, or TAKASE_HOME).</summary>
    public string? Path { get; set; }

    /// <summary>The Npgsql connection string when <see cref="Provider"/> is "postgres".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The current encryption key: 32 bytes in base64. New writes use it. Without one, SQLite generates a key file
    /// beside the database (<c>takase.db.key</c>, mode 0600); PostgreSQL requires it.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Retired keys (base64) that still decrypt older rows, so a key can rotate without re-writing at once.</summary>
    public List<string> PreviousKeys { get; set; } = [];

    /// <summary>Feedback events held in memory while the database is unreachable; beyond that recording fails (503).</summary>
    public int PendingWriteCapacity { get; set; } = 10_000;

    /// <summary>How often held writes are retried while the database is unreachable.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The provider, checked: <see cref="DatabaseProvider.Sqlite"/> or <see cref="DatabaseProvider.Postgres"/>.</summary>
    /// <exception cref="ArgumentException">an unknown provider, or postgres without a connection string.</exception>
    public DatabaseProvider ResolveProvider()
    {
        var provider = Provider.Trim().ToLowerInvariant() switch
        {
            "" or "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
            _ => throw new ArgumentException($"Takase:Database:Provider '{Provider}' is unknown; use \"sqlite\" or \"postgres\""),
        };
        if (provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException("Takase:Database:Provider is postgres but Takase:Database:ConnectionString is empty; set it (e.g. \"Host=localhost;Username=takase;Password=…;Database=takase\")");
        return provider;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (ResolveProvider() == DatabaseProvider.Postgres)
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Takase:Database:ConnectionString is not a valid PostgreSQL connection string: {e.Message}", e);
            }
        }
        // Keys are checked here so a mistyped key stops start-up before anything is written with the wrong one.
        if (EncryptionKey is { Length: > 0 } key) Encryption.EncryptionKeyRing.Parse(key, "Takase:Database:EncryptionKey");
        else if (ResolveProvider() == DatabaseProvider.Postgres)
            throw new ArgumentException("Takase:Database:EncryptionKey is required with PostgreSQL (every node must share it); set it to the output of `openssl rand -base64 32`, e.g. in TAKASE__Database__EncryptionKey");
        for (var i = 0; i < PreviousKeys.Count; i++) Encryption.EncryptionKeyRing.Parse(PreviousKeys[i], $"Takase:Database:PreviousKeys:{i}");
        if (PendingWriteCapacity < 0) throw new ArgumentException($"Takase:Database:PendingWriteCapacity cannot be negative ({PendingWriteCapacity})");
        if (RetryInterval <= TimeSpan.Zero) throw new ArgumentException($"Takase:Database:RetryInterval must be positive, not {RetryInterval}");
    }
}

/// <summary>The database engines Takase can store its records in.</summary>
public enum DatabaseProvider
{
    /// <summary>A local file (WAL mode); the default.</summary>
    Sqlite,
    /// <summary>A PostgreSQL server, through Npgsql.</summary>
    Postgres,
}
