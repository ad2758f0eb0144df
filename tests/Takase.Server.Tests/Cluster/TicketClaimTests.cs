using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Cluster;

/// <summary>
/// Claiming a ticket in the store (SQLite here; PostgreSQL in <see cref="SharedDeskTests"/>): the first claim wins,
/// the holder may claim again, anyone else is refused naming the holder, and many claims at once give one winner.
/// </summary>
public sealed class TicketClaimTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();
    private readonly TakaseStore _store;

    public TicketClaimTests() =>
        _store = TakaseStore.OpenSqlite(_dir.File("takase.db"), new EncryptionKeyRing([.. Enumerable.Range(1, 32).Select(i => (byte)i)]));

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private Task<Ticket> OpenAsync() =>
        _store.CreateTicketAsync(new Ticket { Reason = "test" }, [TicketMessage.New("user", "help")], Cancel);

    [Fact]
    public async Task TheFirstClaimWinsAndOthersAreRefusedNamingTheHolder()
    {
        var ticket = await OpenAsync();

        Assert.Equal("alice", (await _store.ClaimTicketAsync(ticket.Id, "alice", Cancel)).Assignee);
        Assert.Equal("alice", (await _store.ClaimTicketAsync(ticket.Id, "alice", Cancel)).Assignee);
        var refused = await Assert.ThrowsAsync<TicketTakenException>(() => _store.ClaimTicketAsync(ticket.Id, "bob", Cancel));
        Assert.Equal("alice", refused.Holder);
        Assert.Equal("alice", (await _store.FindTicketAsync(ticket.Id, Cancel))!.Assignee);

        // Released, it can be claimed again.
        await _store.AssignTicketAsync(ticket.Id, null, Cancel);
        Assert.Equal("bob", (await _store.ClaimTicketAsync(ticket.Id, "bob", Cancel)).Assignee);
    }

    [Fact]
    public async Task ManyClaimsAtOnceHaveOneWinner()
    {
        var ticket = await OpenAsync();
        var operators = Enumerable.Range(0, 8).Select(i => $"op{i}").ToList();

        var results = await Task.WhenAll(operators.Select(async op =>
        {
            try
            {
                return (await _store.ClaimTicketAsync(ticket.Id, op, Cancel)).Assignee;
            }
            catch (TicketTakenException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(winner, (await _store.FindTicketAsync(ticket.Id, Cancel))!.Assignee);
    }

    [Fact]
    public async Task AClosedOrMissingTicketCannotBeClaimed()
    {
        var ticket = await OpenAsync();
        await _store.CloseTicketAsync(ticket.Id, Cancel);

        await Assert.ThrowsAsync<TicketClosedException>(() => _store.ClaimTicketAsync(ticket.Id, "alice", Cancel));
        await Assert.ThrowsAsync<RecordNotFoundException>(() => _store.ClaimTicketAsync("tk_missing", "alice", Cancel));
    }
}
