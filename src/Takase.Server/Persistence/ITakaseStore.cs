using Takase.Routing.Decisions;

namespace Takase.Server.Persistence;

/// <summary>Feedback events: recorded once each (by id), read back for training.</summary>
public interface IFeedbackStore
{
    /// <summary>Stores an event; an id already stored is left as it is (so a retried write is harmless).</summary>
    /// <exception cref="ArgumentException">the event is invalid for its kind.</exception>
    /// <exception cref="StoreUnavailableException">the database cannot be reached now.</exception>
    Task AddFeedbackAsync(FeedbackEvent feedback, CancellationToken cancel = default);

    /// <summary>Events given at or after <paramref name="since"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<FeedbackEvent>> ListFeedbackAsync(DateTimeOffset? since = null, int limit = 1000, CancellationToken cancel = default);
}

/// <summary>Operator tickets and their conversations.</summary>
public interface ITicketStore
{
    /// <summary>Opens a ticket with its conversation so far.</summary>
    Task<Ticket> CreateTicketAsync(Ticket ticket, IEnumerable<TicketMessage> conversation, CancellationToken cancel = default);

    /// <summary>The ticket, or null when the id is unknown.</summary>
    Task<Ticket?> FindTicketAsync(string id, CancellationToken cancel = default);

    /// <summary>The ticket's messages in order.</summary>
    Task<IReadOnlyList<TicketMessage>> ListMessagesAsync(string ticketId, CancellationToken cancel = default);

    /// <summary>Tickets in a status (or all), oldest first: the queue with its waiting times.</summary>
    Task<IReadOnlyList<Ticket>> ListTicketsAsync(TicketStatus? status = null, int limit = 200, CancellationToken cancel = default);

    /// <summary>Appends a message; an "operator" message marks the ticket answered.</summary>
    /// <exception cref="RecordNotFoundException">no such ticket.</exception>
    /// <exception cref="TicketClosedException">the ticket is closed.</exception>
    Task<TicketMessage> AddMessageAsync(string ticketId, TicketMessage message, CancellationToken cancel = default);

    /// <summary>Gives the ticket to an operator (or back to the queue with null).</summary>
    /// <exception cref="RecordNotFoundException">no such ticket.</exception>
    /// <exception cref="TicketClosedException">the ticket is closed.</exception>
    Task<Ticket> AssignTicketAsync(string ticketId, string? assignee, CancellationToken cancel = default);

    /// <summary>
    /// Gives the ticket to <paramref name="assignee"/> only if nobody else holds it: one conditional update, so of
    /// operators claiming it at once — on any node — exactly one wins. Claiming one's own ticket again succeeds.
    /// </summary>
    /// <exception cref="RecordNotFoundException">no such ticket.</exception>
    /// <exception cref="TicketClosedException">the ticket is closed.</exception>
    /// <exception cref="TicketTakenException">another operator holds it.</exception>
    Task<Ticket> ClaimTicketAsync(string ticketId, string assignee, CancellationToken cancel = default);

    /// <summary>Closes the ticket; closing a closed ticket changes nothing.</summary>
    /// <exception cref="RecordNotFoundException">no such ticket.</exception>
    Task<Ticket> CloseTicketAsync(string ticketId, CancellationToken cancel = default);
}

/// <summary>API keys, stored hashed.</summary>
public interface IApiKeyStore
{
    /// <summary>Creates a key; the returned secret is shown once and never stored.</summary>
    Task<NewApiKey> CreateApiKeyAsync(string name, ApiKeyRole role, CancellationToken cancel = default);

    /// <summary>Checks a presented secret; the key is returned for <see cref="ApiKeyCheck.Valid"/> and <see cref="ApiKeyCheck.Revoked"/>.</summary>
    Task<(ApiKeyCheck Check, ApiKey? Key)> CheckApiKeyAsync(string secret, CancellationToken cancel = default);

    /// <summary>Every key, revoked ones included, newest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancel = default);

    /// <summary>Revokes a key (again is harmless).</summary>
    /// <exception cref="RecordNotFoundException">no key has this id.</exception>
    Task<ApiKey> RevokeApiKeyAsync(string id, CancellationToken cancel = default);
}

/// <summary>The audit log of operator and admin actions: append and read, never change.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry; returns it with its sequence number.</summary>
    Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancel = default);

    /// <summary>The latest entries, newest first, optionally only one actor's or one subject's.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(int limit = 200, string? actor = null, string? subject = null, CancellationToken cancel = default);
}

/// <summary>Routing decisions, kept so GET /api/routes/{id} answers after a restart (the server's route log is <see cref="StoredRouteLog"/>).</summary>
public interface IRouteDecisionStore
{
    /// <summary>Stores or replaces a decision by id.</summary>
    void SaveDecision(RouteDecision decision);

    /// <summary>The decision, or null when unknown.</summary>
    RouteDecision? FindDecision(string id);

    /// <summary>The latest decisions, newest first.</summary>
    IReadOnlyList<RouteDecision> RecentDecisions(int count);
}

/// <summary>
/// Router targets and profiles changed through the admin API, kept so the changes outlive a restart. Not secrets: remote
/// targets name the environment variable of their key, never the key.
/// </summary>
public interface IRouterChangeStore
{
    /// <summary>Stores (or replaces) the definition of a target or profile, as the admin API's JSON.</summary>
    Task SaveRouterChangeAsync(RouterChange change, CancellationToken cancel = default);

    /// <summary>Every stored change, targets first, each kind in the order it was last changed.</summary>
    Task<IReadOnlyList<RouterChange>> ListRouterChangesAsync(CancellationToken cancel = default);
}

/// <summary>
/// Evaluation results: model runs (<c>takase eval --save</c>), the newest of which per target and dataset are the
/// router's priors, and router runs (<c>takase router eval --save</c>).
/// </summary>
public interface IEvaluationStore
{
    /// <summary>Stores a run; returns it with its new id and creation time.</summary>
    /// <exception cref="ArgumentException">a field is missing or out of range (named).</exception>
    Task<EvaluationRun> AddEvaluationAsync(EvaluationRun run, CancellationToken cancel = default);

    /// <summary>The run, or null when the id is unknown.</summary>
    Task<EvaluationRun?> FindEvaluationAsync(string id, CancellationToken cancel = default);

    /// <summary>Runs newest first, optionally of one model and/or dataset, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EvaluationRun>> ListEvaluationsAsync(string? model = null, string? dataset = null, int limit = 100, CancellationToken cancel = default);

    /// <summary>For each (target, dataset), the newest run that names a target: what the router's priors are built from.</summary>
    Task<IReadOnlyList<EvaluationRun>> LatestEvaluationsByTargetAsync(CancellationToken cancel = default);

    /// <summary>Stores a router evaluation; returns it with its new id and creation time.</summary>
    /// <exception cref="ArgumentException">a field is missing or out of range (named).</exception>
    Task<RouterEvaluationRun> AddRouterEvaluationAsync(RouterEvaluationRun run, CancellationToken cancel = default);

    /// <summary>Router evaluations newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RouterEvaluationRun>> ListRouterEvaluationsAsync(int limit = 100, CancellationToken cancel = default);
}

/// <summary>One admin change to the router.</summary>
/// <param name="Kind">"target" or "profile".</param>
/// <param name="Name">The target's or profile's name.</param>
/// <param name="Definition">Its definition, as JSON.</param>
/// <param name="UpdatedAt">When it was stored.</param>
public sealed record RouterChange(string Kind, string Name, string Definition, DateTimeOffset UpdatedAt);

/// <summary>
/// Everything Takase persists, behind one repository: SQLite by default, PostgreSQL by configuration, the same
/// behaviour from both (one test suite runs against each). Conversation text is encrypted at rest.
/// </summary>
public interface ITakaseStore : IFeedbackStore, ITicketStore, IApiKeyStore, IAuditLog, IRouteDecisionStore, IRouterChangeStore, IEvaluationStore
{
    /// <summary>Which database, for logs: "SQLite /path/takase.db" or "PostgreSQL host/db".</summary>
    string Description { get; }
}
