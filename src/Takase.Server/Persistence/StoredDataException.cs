namespace Takase.Server.Persistence;

/// <summary>Stored data that cannot be trusted: a ciphertext that fails authentication or needs an unknown key.</summary>
public sealed class StoredDataException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The database cannot be reached or written right now (server down, file missing, disk full, locked too long);
/// retrying later may succeed. The HTTP layer answers 503 with Retry-After.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The database's schema is newer than this build of Takase knows, or a migration failed; start-up stops.</summary>
public sealed class StoreSchemaException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A change to a closed ticket (answering, reassigning); the HTTP layer answers 409.</summary>
public sealed class TicketClosedException(string ticketId)
    : InvalidOperationException($"ticket {ticketId} is closed; reopen it or open a new one")
{
    /// <summary>The ticket.</summary>
    public string TicketId { get; } = ticketId;
}

/// <summary>
/// A claim on a ticket that another operator holds (several operators, possibly on several nodes, took it at once:
/// the first claim wins). The operator API answers 409 naming the holder; taking it over needs "force".
/// </summary>
public sealed class TicketTakenException(string ticketId, string holder)
    : InvalidOperationException($"ticket {ticketId} is assigned to {holder}; ask them to release it, or send \"force\": true to take it over")
{
    /// <summary>The ticket.</summary>
    public string TicketId { get; } = ticketId;
    /// <summary>Who holds it.</summary>
    public string Holder { get; } = holder;
}

/// <summary>A record that does not exist (a ticket id, an API key id); the HTTP layer answers 404.</summary>
public sealed class RecordNotFoundException(string message) : Exception(message);
