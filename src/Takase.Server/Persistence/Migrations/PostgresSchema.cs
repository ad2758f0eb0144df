namespace Takase.Server.Persistence.Migrations;

/// <summary>
/// The PostgreSQL schema, as numbered scripts. Append new scripts, never edit applied ones. Times are Unix milliseconds;
/// BYTEA columns hold AES-GCM envelopes (see FieldCipher), never plaintext.
/// </summary>
internal static class PostgresSchema
{
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "initial: route decisions, feedback, tickets, api keys, audit log", """
            CREATE TABLE route_decisions (
                id          TEXT PRIMARY KEY,
                created_ms  BIGINT NOT NULL,
                profile     TEXT NOT NULL,
                chosen      TEXT NOT NULL,
                decision    BYTEA NOT NULL
            );
            CREATE INDEX ix_route_decisions_created ON route_decisions (created_ms);

            CREATE TABLE feedback (
                id            TEXT PRIMARY KEY,
                created_ms    BIGINT NOT NULL,
                kind          TEXT NOT NULL CHECK (kind IN ('rating', 'edit', 'preference')),
                author        TEXT,
                route_id      TEXT,
                ticket_id     TEXT,
                target        TEXT,
                other_target  TEXT,
                thumb         BIGINT CHECK (thumb IN (-1, 1)),
                score         BIGINT CHECK (score BETWEEN 1 AND 5),
                prompt        BYTEA,
                answer        BYTEA,
                edited_text   BYTEA,
                comment       BYTEA
            );
            CREATE INDEX ix_feedback_created ON feedback (created_ms);

            CREATE TABLE tickets (
                id          TEXT PRIMARY KEY,
                created_ms  BIGINT NOT NULL,
                updated_ms  BIGINT NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('waiting', 'answered', 'closed')),
                reason      TEXT NOT NULL,
                route_id    TEXT,
                assignee    TEXT,
                closed_ms   BIGINT
            );
            CREATE INDEX ix_tickets_status ON tickets (status, created_ms);

            CREATE TABLE ticket_messages (
                ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
                seq         BIGINT NOT NULL,
                created_ms  BIGINT NOT NULL,
                role        TEXT NOT NULL,
                author      TEXT,
                content     BYTEA NOT NULL,
                PRIMARY KEY (ticket_id, seq)
            );

            CREATE TABLE api_keys (
                id           TEXT PRIMARY KEY,
                name         TEXT NOT NULL,
                role         TEXT NOT NULL CHECK (role IN ('client', 'operator', 'admin')),
                prefix       TEXT NOT NULL UNIQUE,
                secret_hash  BYTEA NOT NULL,
                created_ms   BIGINT NOT NULL,
                revoked_ms   BIGINT
            );

            CREATE TABLE audit_log (
                id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at_ms    BIGINT NOT NULL,
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
                updated_ms  BIGINT NOT NULL,
                PRIMARY KEY (kind, name)
            );
            """),
        new(3, "evaluation runs (takase eval --save) with their categories, and router evaluations", """
            CREATE TABLE evaluations (
                id              TEXT PRIMARY KEY,
                created_ms      BIGINT NOT NULL,
                model           TEXT NOT NULL,
                target          TEXT,
                dataset         TEXT NOT NULL,
                dataset_sha256  TEXT,
                mode            TEXT NOT NULL CHECK (mode IN ('choice', 'generate', 'perplexity')),
                n               BIGINT NOT NULL,
                accuracy        DOUBLE PRECISION,
                accuracy_low    DOUBLE PRECISION,
                accuracy_high   DOUBLE PRECISION,
                acc_norm        DOUBLE PRECISION,
                perplexity      DOUBLE PRECISION,
                duration_ms     BIGINT,
                options         TEXT
            );
            CREATE INDEX ix_evaluations_created ON evaluations (created_ms);
            CREATE INDEX ix_evaluations_target ON evaluations (target, dataset, created_ms);

            CREATE TABLE evaluation_categories (
                evaluation_id  TEXT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
                seq            BIGINT NOT NULL,
                category       TEXT NOT NULL,
                n              BIGINT NOT NULL,
                correct        BIGINT NOT NULL,
                accuracy       DOUBLE PRECISION NOT NULL,
                accuracy_low   DOUBLE PRECISION NOT NULL,
                accuracy_high  DOUBLE PRECISION NOT NULL,
                centroid       BYTEA,
                PRIMARY KEY (evaluation_id, seq)
            );

            CREATE TABLE router_evaluations (
                id          TEXT PRIMARY KEY,
                created_ms  BIGINT NOT NULL,
                profile     TEXT,
                strategy    TEXT NOT NULL,
                dataset     TEXT NOT NULL,
                apgr        DOUBLE PRECISION NOT NULL,
                cpt20       DOUBLE PRECISION,
                cpt50       DOUBLE PRECISION,
                cpt80       DOUBLE PRECISION,
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
                created_ms  BIGINT NOT NULL,
                PRIMARY KEY (name, version)
            );

            CREATE TABLE norms_assignments (
                kind        TEXT NOT NULL CHECK (kind IN ('key', 'profile')),
                subject     TEXT NOT NULL,
                norms       TEXT NOT NULL,
                updated_ms  BIGINT NOT NULL,
                PRIMARY KEY (kind, subject)
            );
            """),
    ];
}
