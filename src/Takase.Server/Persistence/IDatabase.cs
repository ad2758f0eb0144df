using System.Data.Common;
using Takase.Server.Persistence.Migrations;

namespace Takase.Server.Persistence;

/// <summary>
/// What differs between the database engines: how to connect, the schema scripts, how migrations are serialised, and
/// which errors mean "unreachable now, retry later". The queries themselves are shared (<see cref="TakaseStore"/>).
/// </summary>
internal interface IDatabase
{
    /// <summary>The engine.</summary>
    DatabaseProvider Provider { get; }

    /// <summary>Which database, for logs and errors (never the password).</summary>
    string Description { get; }

    /// <summary>The numbered schema scripts, in order.</summary>
    IReadOnlyList<Migration> Migrations { get; }

    /// <summary>An open connection for everyday work (it must not create a database that vanished).</summary>
    Task<DbConnection> OpenAsync(CancellationToken cancel);

    /// <summary>An open connection for everyday work, for the synchronous route log.</summary>
    DbConnection Open();

    /// <summary>An open connection for start-up: may create the database and set its durable settings.</summary>
    DbConnection OpenForMigration();

    /// <summary>Statement that keeps two starting servers from migrating at once, run first in the migration transaction ("" when the transaction already does).</summary>
    string MigrationLockSql { get; }

    /// <summary>Whether an error means the database is unreachable or busy now (retry later) rather than a fault in the request.</summary>
    bool IsUnavailable(Exception e);

    /// <summary>Drops idle pooled connections after an outage, so the next attempt connects afresh instead of reusing a broken one.</summary>
    void ClearIdleConnections();
}
