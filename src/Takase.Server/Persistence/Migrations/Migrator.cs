using System.Data.Common;
using Dapper;

namespace Takase.Server.Persistence.Migrations;

/// <summary>
/// Brings a database to the schema this build knows: reads schema_version, runs the missing scripts in order and
/// records them, all in one transaction (a failed script changes nothing). A database whose schema is newer than
/// the code — a newer Takase ran against it — is refused rather than used half-understood.
/// </summary>
internal static class Migrator
{
    /// <summary>Applies the missing migrations; returns the schema version now in place.</summary>
    /// <exception cref="StoreSchemaException">the schema is newer than this build, or a script failed.</exception>
    public static int Apply(IDatabase db)
    {
        var migrations = db.Migrations;
        for (var i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"{db.Provider} migration #{i} has version {migrations[i].Version}; versions must run 1, 2, 3… without gaps");
        var known = migrations.Count;

        using var connection = db.OpenForMigration();
        using var transaction = connection.BeginTransaction();
        if (db.MigrationLockSql.Length > 0) connection.Execute(db.MigrationLockSql, transaction: transaction);
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                name        TEXT NOT NULL,
                applied_ms  BIGINT NOT NULL
            );
            """, transaction: transaction);
        var current = (int)(connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_version;", transaction: transaction) ?? 0);
        if (current > known)
            throw new StoreSchemaException($"{db.Description} has schema version {current}, but this Takase knows versions up to {known}: a newer Takase has used it. Upgrade Takase, or point Takase:Database at another database; nothing was changed");

        foreach (var migration in migrations.Skip(current))
        {
            try
            {
                connection.Execute(migration.Sql, transaction: transaction);
            }
            catch (DbException e) when (!db.IsUnavailable(e))
            {
                throw new StoreSchemaException($"migration {migration.Version} ({migration.Name}) failed on {db.Description}: {e.Message}; nothing was changed", e);
            }
            connection.Execute("INSERT INTO schema_version (version, name, applied_ms) VALUES (@Version, @Name, @At);",
                new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, transaction);
        }
        transaction.Commit();
        return Math.Max(current, known);
    }
}
