using System.Data.Common;
using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    private const string TicketColumns = """
        id AS Id, created_ms AS CreatedMs, updated_ms AS UpdatedMs, status AS Status, reason AS Reason,
        route_id AS RouteId, assignee AS Assignee, closed_ms AS ClosedMs
        """;

    /// <inheritdoc />
    public Task<Ticket> CreateTicketAsync(Ticket ticket, IEnumerable<TicketMessage> conversation, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (string.IsNullOrWhiteSpace(ticket.Id) || ticket.Id.Length > 100) throw new ArgumentException($"ticket id '{ticket.Id}' must be 1–100 characters");
        if (string.IsNullOrWhiteSpace(ticket.Reason)) throw new ArgumentException($"ticket {ticket.Id} needs a reason (why it went to a person)");
        var messages = conversation.ToList();
        foreach (var m in messages) CheckMessage(ticket.Id, m);
        var stored = ticket with { UpdatedAt = ticket.CreatedAt, Status = TicketStatus.Waiting, ClosedAt = null };
        return InTransactionAsync($"open ticket {ticket.Id}", async (c, tx) =>
        {
            await c.ExecuteAsync(Sql("""
                INSERT INTO tickets (id, created_ms, updated_ms, status, reason, route_id, assignee, closed_ms)
                VALUES (@Id, @CreatedMs, @CreatedMs, 'waiting', @Reason, @RouteId, @Assignee, NULL);
                """, new { stored.Id, CreatedMs = Ms(stored.CreatedAt), stored.Reason, stored.RouteId, stored.Assignee }, tx, cancel));
            for (var i = 0; i < messages.Count; i++)
                await InsertMessageAsync(c, tx, stored.Id, messages[i] with { Seq = i + 1 }, cancel);
            return stored;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<Ticket?> FindTicketAsync(string id, CancellationToken cancel = default) =>
        RunAsync($"read ticket {id}", async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<TicketRow>(Sql($"SELECT {TicketColumns} FROM tickets WHERE id = @id;", new { id }, cancel: cancel));
            return row is null ? null : ToTicket(row);
        }, cancel);

    /// <inheritdoc />
    public Task<IReadOnlyList<TicketMessage>> ListMessagesAsync(string ticketId, CancellationToken cancel = default) =>
        RunAsync($"read the messages of ticket {ticketId}", async c =>
        {
            var rows = await c.QueryAsync<MessageRow>(Sql("""
                SELECT seq AS Seq, created_ms AS CreatedMs, role AS Role, author AS Author, content AS Content
                FROM ticket_messages WHERE ticket_id = @ticketId ORDER BY seq;
                """, new { ticketId }, cancel: cancel));
            return (IReadOnlyList<TicketMessage>)rows.Select(r => new TicketMessage((int)r.Seq, r.Role,
                _cipher.Decrypt(r.Content, MessagePlace(ticketId, r.Seq))!, r.Author, Time(r.CreatedMs))).ToList();
        }, cancel);

    /// <inheritdoc />
    public Task<IReadOnlyList<Ticket>> ListTicketsAsync(TicketStatus? status = null, int limit = 200, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync("list tickets", async c =>
        {
            var rows = await c.QueryAsync<TicketRow>(Sql($"""
                SELECT {TicketColumns} FROM tickets WHERE (@Status IS NULL OR status = @Status) ORDER BY created_ms, id LIMIT @Limit;
                """, new { Status = status is { } s ? StatusName(s) : null, Limit = (long)limit }, cancel: cancel));
            return (IReadOnlyList<Ticket>)rows.Select(ToTicket).ToList();
        }, cancel);
    }

    /// <inheritdoc />
    public Task<TicketMessage> AddMessageAsync(string ticketId, TicketMessage message, CancellationToken cancel = default)
    {
        CheckMessage(ticketId, message);
        // An operator's message answers the ticket; the user's next message puts it back in the queue.
        var status = message.Role switch { "operator" => "answered", "user" => "waiting", _ => null };
        return InTransactionAsync($"add a message to ticket {ticketId}", async (c, tx) =>
        {
            // Updating the ticket row first locks it (PostgreSQL row lock, SQLite's write lock), so two operators
            // answering at once get consecutive sequence numbers.
            await TouchOpenTicketAsync(c, tx, ticketId, "status = COALESCE(@Status, status)", new { Status = status }, cancel);
            var seq = await c.ExecuteScalarAsync<long>(Sql("SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_messages WHERE ticket_id = @ticketId;", new { ticketId }, tx, cancel));
            var stored = message with { Seq = (int)seq, CreatedAt = DateTimeOffset.UtcNow };
            await InsertMessageAsync(c, tx, ticketId, stored, cancel);
            return stored;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<Ticket> AssignTicketAsync(string ticketId, string? assignee, CancellationToken cancel = default) =>
        InTransactionAsync($"assign ticket {ticketId}", async (c, tx) =>
        {
            await TouchOpenTicketAsync(c, tx, ticketId, "assignee = @Assignee", new { Assignee = assignee }, cancel);
            return ToTicket(await c.QuerySingleAsync<TicketRow>(Sql($"SELECT {TicketColumns} FROM tickets WHERE id = @ticketId;", new { ticketId }, tx, cancel)));
        }, cancel);

    /// <inheritdoc />
    public Task<Ticket> ClaimTicketAsync(string ticketId, string assignee, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(assignee);
        return InTransactionAsync($"claim ticket {ticketId}", async (c, tx) =>
        {
            // The condition and the write are one statement: the row lock (PostgreSQL) or the write lock (SQLite)
            // makes a second claimer see the first one's assignee.
            var changed = await c.ExecuteAsync(Sql("""
                UPDATE tickets SET assignee = @Assignee, updated_ms = @Now
                WHERE id = @TicketId AND status <> 'closed' AND (assignee IS NULL OR assignee = @Assignee);
                """, new { Assignee = assignee, TicketId = ticketId, Now = Ms(DateTimeOffset.UtcNow) }, tx, cancel));
            var row = await c.QuerySingleOrDefaultAsync<TicketRow>(Sql($"SELECT {TicketColumns} FROM tickets WHERE id = @ticketId;", new { ticketId }, tx, cancel))
                ?? throw new RecordNotFoundException($"ticket {ticketId} does not exist");
            if (changed == 1) return ToTicket(row);
            if (row.Status == "closed") throw new TicketClosedException(ticketId);
            throw new TicketTakenException(ticketId, row.Assignee ?? "another operator");
        }, cancel);
    }

    /// <inheritdoc />
    public Task<Ticket> CloseTicketAsync(string ticketId, CancellationToken cancel = default) =>
        InTransactionAsync($"close ticket {ticketId}", async (c, tx) =>
        {
            var now = Ms(DateTimeOffset.UtcNow);
            await c.ExecuteAsync(Sql("UPDATE tickets SET status = 'closed', closed_ms = @now, updated_ms = @now WHERE id = @ticketId AND status <> 'closed';",
                new { now, ticketId }, tx, cancel));
            var row = await c.QuerySingleOrDefaultAsync<TicketRow>(Sql($"SELECT {TicketColumns} FROM tickets WHERE id = @ticketId;", new { ticketId }, tx, cancel))
                ?? throw new RecordNotFoundException($"ticket {ticketId} does not exist");
            return ToTicket(row);
        }, cancel);

    /// <summary>Applies <paramref name="set"/> to a ticket that is not closed; says which when it is missing or closed.</summary>
    private static async Task TouchOpenTicketAsync(DbConnection c, DbTransaction tx, string ticketId, string set, object values, CancellationToken cancel)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("TicketId", ticketId);
        parameters.Add("Now", Ms(DateTimeOffset.UtcNow));
        var changed = await c.ExecuteAsync(Sql($"UPDATE tickets SET {set}, updated_ms = @Now WHERE id = @TicketId AND status <> 'closed';", parameters, tx, cancel));
        if (changed == 1) return;
        var exists = await c.ExecuteScalarAsync<string?>(Sql("SELECT status FROM tickets WHERE id = @ticketId;", new { ticketId }, tx, cancel));
        throw exists is null ? new RecordNotFoundException($"ticket {ticketId} does not exist") : new TicketClosedException(ticketId);
    }

    private Task InsertMessageAsync(DbConnection c, DbTransaction tx, string ticketId, TicketMessage m, CancellationToken cancel) =>
        c.ExecuteAsync(Sql("""
            INSERT INTO ticket_messages (ticket_id, seq, created_ms, role, author, content)
            VALUES (@TicketId, @Seq, @CreatedMs, @Role, @Author, @Content);
            """, new
        {
            TicketId = ticketId,
            Seq = (long)m.Seq,
            CreatedMs = Ms(m.CreatedAt),
            m.Role,
            m.Author,
            Content = _cipher.Encrypt(m.Content, MessagePlace(ticketId, m.Seq)),
        }, tx, cancel));

    private static void CheckMessage(string ticketId, TicketMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (!TicketMessage.Roles.Contains(m.Role))
            throw new ArgumentException($"message role '{m.Role}' for ticket {ticketId} is not one of {string.Join(", ", TicketMessage.Roles)}");
        ArgumentNullException.ThrowIfNull(m.Content);
    }

    private static string MessagePlace(string ticketId, long seq) => $"ticket_messages.content:{ticketId}/{seq}";

    private static string StatusName(TicketStatus s) => s.ToString().ToLowerInvariant();

    private static Ticket ToTicket(TicketRow r) => new()
    {
        Id = r.Id,
        CreatedAt = Time(r.CreatedMs),
        UpdatedAt = Time(r.UpdatedMs),
        Status = Enum.Parse<TicketStatus>(r.Status, ignoreCase: true),
        Reason = r.Reason,
        RouteId = r.RouteId,
        Assignee = r.Assignee,
        ClosedAt = r.ClosedMs is { } ms ? Time(ms) : null,
    };

    private sealed class TicketRow
    {
        public string Id { get; set; } = "";
        public long CreatedMs { get; set; }
        public long UpdatedMs { get; set; }
        public string Status { get; set; } = "";
        public string Reason { get; set; } = "";
        public string? RouteId { get; set; }
        public string? Assignee { get; set; }
        public long? ClosedMs { get; set; }
    }

    private sealed class MessageRow
    {
        public long Seq { get; set; }
        public long CreatedMs { get; set; }
        public string Role { get; set; } = "";
        public string? Author { get; set; }
        public byte[] Content { get; set; } = [];
    }
}
