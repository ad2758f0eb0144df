namespace Takase.Server.Persistence.Migrations;

/// <summary>One numbered schema change: its SQL runs once, inside the start-up transaction, and is then recorded in schema_version.</summary>
/// <param name="Version">1, 2, 3…, with no gaps; the highest is the schema this build knows.</param>
/// <param name="Name">What it changes, for schema_version and logs.</param>
/// <param name="Sql">The statements, in the provider's dialect.</param>
public sealed record Migration(int Version, string Name, string Sql);
