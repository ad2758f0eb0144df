namespace Takase.Server.Persistence.Migrations;

/// <summary>
/// The SQLite schema, as numbered scripts. Append new scripts, never edit applied ones. Times are Unix milliseconds;
/// BLOB columns hold AES-GCM envelopes (see FieldCipher), never plaintext.
/// </summary>
internal static class SqliteSchema
{
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "initial: route decisions, feedback, tickets, api keys, audit log", """
            CREATE TABLE route_decisions (
                id          TEXT PRIMARY KEY,
                created_ms  INTEGER NOT NULL,
                profile     TEXT NOT NULL,
                chosen      TEXT NOT NULL,
                decision    BLOB NOT NULL
            );
            CREATE INDEX ix_route_decisions_created ON route_decisions (created_ms);

            CREATE TABLE feedback (
                id            TEXT PRIMARY KEY,
                created_ms    INTEGER NOT NULL,
                kind          TEXT NOT NULL CHECK (kind IN ('rating', 'edit', 'preference')),
                author        TEXT,
                route_id      TEXT,
                ticket_id     TEXT,
                target        TEXT,
                other_target  TEXT,
                thumb         INTEGER CHECK (thumb IN (-1, 1)),
                score         INTEGER CHECK (score BETWEEN 1 AND 5),
                prompt        BLOB,
                answer        BLOB,
                edited_text   BLOB,
                comment       BLOB
            );
            CREATE INDEX ix_feedback_created ON feedback (created_ms);

            CREATE TABLE tickets (
                id          TEXT PRIMARY KEY,
                created_ms  INTEGER NOT NULL,
                updated_ms  INTEGER NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('waiting', 'answered', 'closed')),
                reason      TEXT NOT NULL,
                route_id    TEXT,
                assignee    TEXT,
                closed_ms   INTEGER
            );
            CREATE INDEX ix_tickets_status ON tickets (status, created_ms);

            CREATE TABLE ticket_messages (
                ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
                seq         INTEGER NOT NULL,
                created_ms  INTEGER NOT NULL,
                role        TEXT NOT NULL,
                author      TEXT,
                content     BLOB NOT NULL,
                PRIMARY KEY (ticket_id, seq)
            );

            CREATE TABLE api_keys (
                id           TEXT PRIMARY KEY,
                name         TEXT NOT NULL,
                role         TEXT NOT NULL CHECK (role IN ('client', 'operator', 'admin')),
                prefix       TEXT NOT NULL UNIQUE,
                secret_hash  BLOB NOT NULL,
                created_ms   INTEGER NOT NULL,
                revoked_ms   INTEGER
            );

            CREATE TABLE audit_log (
                id       INTEGER PRIMARY KEY AUTOINCREMENT,
                at_ms    INTEGER NOT NULL,
                actor    TEXT NOT NULL,
                action   TEXT NOT NULL,
                subject  TEXT,
                details  TEXT
            );
            CREATE INDEX ix_audit_actor ON audit_log (actor, id);
            CREATE INDEX ix_audit_subject ON audit_log (subject, id);
            """),
        new(2, "router changes made through the admin API", """
            CREATE TABLE router_changes (
                kind        TEXT NOT NULL CHECK (kind IN ('target', 'profile')),
                name        TEXT NOT NULL,
                definition  TEXT NOT NULL,
                updated_ms  INTEGER NOT NULL,
                PRIMARY KEY (kind, name)
            );
            """),
        new(3, "evaluation runs (takase eval --save) with their categories, and router evaluations", """
            CREATE TABLE evaluations (
                id              TEXT PRIMARY KEY,
                created_ms      INTEGER NOT NULL,
                model           TEXT NOT NULL,
                target          TEXT,
                dataset         TEXT NOT NULL,
                dataset_sha256  TEXT,
                mode            TEXT NOT NULL CHECK (mode IN ('choice', 'generate', 'perplexity')),
                n               INTEGER NOT NULL,
                accuracy        REAL,
                accuracy_low    REAL,
                accuracy_high   REAL,
                acc_norm        REAL,
                perplexity      REAL,
                duration_ms     INTEGER,
                options         TEXT
            );
            CREATE INDEX ix_evaluations_created ON evaluations (created_ms);
            CREATE INDEX ix_evaluations_target ON evaluations (target, dataset, created_ms);

            CREATE TABLE evaluation_categories (
                evaluation_id  TEXT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
                seq            INTEGER NOT NULL,
                category       TEXT NOT NULL,
                n              INTEGER NOT NULL,
                correct        INTEGER NOT NULL,
                accuracy       REAL NOT NULL,
                accuracy_low   REAL NOT NULL,
                accuracy_high  REAL NOT NULL,
                centroid       BLOB,
                PRIMARY KEY (evaluation_id, seq)
            );

            CREATE TABLE router_evaluations (
                id          TEXT PRIMARY KEY,
                created_ms  INTEGER NOT NULL,
                profile     TEXT,
                strategy    TEXT NOT NULL,
                dataset     TEXT NOT NULL,
                apgr        REAL NOT NULL,
                cpt20       REAL,
                cpt50       REAL,
                cpt80       REAL,
                curve       TEXT NOT NULL
            );
            CREATE INDEX ix_router_evaluations_created ON router_evaluations (created_ms);
            """),
        new(4, "norms profiles: versions and assignments made through the admin API", """
            CREATE TABLE norms_versions (
                name        TEXT NOT NULL,
                version     INTEGER NOT NULL CHECK (version > 0),
                definition  TEXT NOT NULL,
                author      TEXT NOT NULL,
                created_ms  INTEGER NOT NULL,
                PRIMARY KEY (name, version)
            );

            CREATE TABLE norms_assignments (
                kind        TEXT NOT NULL CHECK (kind IN ('key', 'profile')),
                subject     TEXT NOT NULL,
                norms       TEXT NOT NULL,
                updated_ms  INTEGER NOT NULL,
                PRIMARY KEY (kind, subject)
            );
            """),
    ];
}
