using System.Data.Common;
using System.Text.Json;
using Dapper;
using Takase.Routing.Decisions;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;

namespace Takase.Server.Tests.Persistence;

/// <summary>
/// The repository's behaviour, written once and run against every provider (SQLite, PostgreSQL): each derived class
/// gives each test its own empty database, a raw connection to inspect or damage it, and a way to take it away.
/// </summary>
public abstract partial class StoreTests : IAsyncLifetime
{
    private readonly List<TakaseStore> _opened = [];

    /// <summary>The current key of most tests.</summary>
    protected static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    /// <summary>A second key, for rotation.</summary>
    protected static readonly byte[] KeyB = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    /// <summary>The provider under test.</summary>
    protected abstract DatabaseProvider Provider { get; }

    /// <summary>Creates this test's empty database (skipping the test where the provider is not available).</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>Opens the store on this test's database (migrating it).</summary>
    protected abstract TakaseStore OpenStore(EncryptionKeyRing keys);

    /// <summary>A connection to this test's database that bypasses the store.</summary>
    protected abstract DbConnection OpenRaw();

    /// <summary>Makes the database unreachable for the store (a real outage, not a mock).</summary>
    protected abstract Task MakeUnavailableAsync();

    /// <summary>Ends the outage.</summary>
    protected abstract Task RestoreAsync();

    /// <summary>Removes this test's database.</summary>
    protected abstract Task DropDatabaseAsync();

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened) store.Dispose();
        await DropDatabaseAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the database on first use and opens a store on it.</summary>
    protected async Task<TakaseStore> Open(byte[]? current = null, params byte[][] previous)
    {
        if (_opened.Count == 0) await CreateDatabaseAsync();
        var store = OpenStore(new EncryptionKeyRing(current ?? KeyA, previous));
        _opened.Add(store);
        return store;
    }

    private static FeedbackEvent Rating(string comment = "fine answer") => new()
    {
        Kind = FeedbackKind.Rating,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000),
        Author = "key_alice",
        RouteId = "rt_1",
        Target = "local-small",
        Thumb = 1,
        Score = 4,
        Prompt = "東京の天気は？",
        Answer = "晴れです。",
        Comment = comment,
    };

    private static RouteDecision Decision(string id, DateTimeOffset at, IReadOnlyList<RouteHop>? hops = null) => new()
    {
        Id = id,
        CreatedAt = at,
        Profile = "auto",
        Strategy = "ngram",
        Candidates = [new("local-small", true, null, 0.61, 0), new("remote-big", false, "privacy: local-only", null, 0.002)],
        Order = ["local-small", "human"],
        Score = 0.42,
        Thresholds = [0.5],
        Contributions = [new("ngram:証明", 0.31, "証明", 4, 2)],
        AppliedRules = ["pii-local-only"],
        Reason = "the prompt looks easy",
        DecisionTime = TimeSpan.FromMilliseconds(1.5),
        Hops = hops ?? [],
    };

    private static string Json(RouteDecision d) => JsonSerializer.Serialize(d);

    // ---- migrations ----

    [Fact]
    public async Task Migrations_bring_an_empty_database_to_the_latest_schema()
    {
        using var store = await Open();
        Assert.Equal(TakaseStore.LatestSchemaVersion(Provider), store.SchemaVersion);
        using var raw = OpenRaw();
        var versions = raw.Query<long>("SELECT version FROM schema_version ORDER BY version").ToList();
        Assert.Equal(Enumerable.Range(1, TakaseStore.LatestSchemaVersion(Provider)).Select(v => (long)v), versions);
    }

    [Fact]
    public async Task Reopening_applies_nothing_twice_and_keeps_the_data()
    {
        var first = await Open();
        await first.AddFeedbackAsync(Rating());
        first.Dispose();

        var second = await Open();
        Assert.Equal(TakaseStore.LatestSchemaVersion(Provider), second.SchemaVersion);
        using var raw = OpenRaw();
        Assert.Equal(TakaseStore.LatestSchemaVersion(Provider), raw.ExecuteScalar<long>("SELECT COUNT(*) FROM schema_version"));
        Assert.Single(await second.ListFeedbackAsync());
    }

    [Fact]
    public async Task Router_changes_are_kept_one_per_name_targets_first_in_the_order_made()
    {
        using var store = await Open();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await store.SaveRouterChangeAsync(new RouterChange("profile", "auto", """{"candidates":["a"]}""", t0));
        await store.SaveRouterChangeAsync(new RouterChange("target", "gpt", """{"kind":"Remote"}""", t0.AddSeconds(1)));
        await store.SaveRouterChangeAsync(new RouterChange("profile", "support", """{"candidates":["b"]}""", t0.AddSeconds(2)));
        await store.SaveRouterChangeAsync(new RouterChange("profile", "AUTO", """{"candidates":["a","b"]}""", t0.AddSeconds(3)));

        var changes = await store.ListRouterChangesAsync();
        Assert.Equal(["target:gpt", "profile:support", "profile:AUTO"], changes.Select(c => $"{c.Kind}:{c.Name}"));
        Assert.Equal("""{"candidates":["a","b"]}""", changes[2].Definition);
        Assert.Equal(t0.AddSeconds(3), changes[2].UpdatedAt);
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveRouterChangeAsync(new RouterChange("rule", "x", "{}", t0)));
    }

    [Fact]
    public async Task A_schema_newer_than_the_code_is_refused()
    {
        (await Open()).Dispose();
        var future = TakaseStore.LatestSchemaVersion(Provider) + 1;
        using (var raw = OpenRaw())
            raw.Execute("INSERT INTO schema_version (version, name, applied_ms) VALUES (@future, 'from a newer Takase', 0)", new { future });

        var e = Assert.Throws<StoreSchemaException>(() => OpenStore(new EncryptionKeyRing(KeyA)));
        Assert.Contains($"schema version {future}", e.Message);
        Assert.Contains($"up to {future - 1}", e.Message);
    }

    // ---- feedback ----

    [Fact]
    public async Task Feedback_of_every_kind_round_trips_and_a_repeated_id_is_stored_once()
    {
        var store = await Open();
        var rating = Rating();
        var edit = new FeedbackEvent { Kind = FeedbackKind.Edit, CreatedAt = rating.CreatedAt.AddSeconds(1), TicketId = "tk_1", Answer = "draft", EditedText = "corrected answer", Author = "op_bob" };
        var preference = new FeedbackEvent { Kind = FeedbackKind.Preference, CreatedAt = rating.CreatedAt.AddSeconds(2), Target = "remote-big", OtherTarget = "local-small", Comment = "clearer" };
        foreach (var f in new[] { rating, edit, preference, rating }) await store.AddFeedbackAsync(f);

        var all = await store.ListFeedbackAsync();
        Assert.Equal([rating, edit, preference], all);
        Assert.Equal([edit, preference], await store.ListFeedbackAsync(since: edit.CreatedAt));
        Assert.Equal([rating], await store.ListFeedbackAsync(limit: 1));
    }

    [Theory]
    [InlineData(FeedbackKind.Rating, null, null, "thumb")]
    [InlineData(FeedbackKind.Rating, 2, null, "thumb must be +1 or -1")]
    [InlineData(FeedbackKind.Rating, null, 6, "score must be 1 to 5")]
    [InlineData(FeedbackKind.Edit, null, null, "edited text")]
    [InlineData(FeedbackKind.Preference, null, null, "preferred target")]
    public async Task Invalid_feedback_is_refused_with_the_reason_and_nothing_is_stored(FeedbackKind kind, int? thumb, int? score, string reason)
    {
        var store = await Open();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.AddFeedbackAsync(new FeedbackEvent { Kind = kind, Thumb = thumb, Score = score }));
        Assert.Contains(reason, e.Message);
        Assert.Empty(await store.ListFeedbackAsync());
    }

    // ---- tickets ----

    [Fact]
    public async Task A_ticket_goes_from_waiting_to_answered_to_closed_and_refuses_answers_once_closed()
    {
        var store = await Open();
        var ticket = await store.CreateTicketAsync(new Ticket { Reason = "policy: complaint", RouteId = "rt_9" },
            [TicketMessage.New("user", "返金してください"), TicketMessage.New("draft", "ご不便をおかけしました")]);
        Assert.Equal(TicketStatus.Waiting, (await store.FindTicketAsync(ticket.Id))!.Status);

        var answer = await store.AddMessageAsync(ticket.Id, TicketMessage.New("operator", "承知しました", "op_bob"));
        Assert.Equal(3, answer.Seq);
        var assigned = await store.AssignTicketAsync(ticket.Id, "op_bob");
        Assert.Equal(("op_bob", TicketStatus.Answered), (assigned.Assignee, assigned.Status));
        Assert.Equal([ticket.Id], (await store.ListTicketsAsync(TicketStatus.Answered)).Select(t => t.Id));
        Assert.Empty(await store.ListTicketsAsync(TicketStatus.Waiting));

        var closed = await store.CloseTicketAsync(ticket.Id);
        Assert.Equal(TicketStatus.Closed, closed.Status);
        Assert.NotNull(closed.ClosedAt);
        var refused = await Assert.ThrowsAsync<TicketClosedException>(() => store.AddMessageAsync(ticket.Id, TicketMessage.New("operator", "もう一度")));
        Assert.Equal(ticket.Id, refused.TicketId);
        await Assert.ThrowsAsync<TicketClosedException>(() => store.AssignTicketAsync(ticket.Id, "op_carol"));
        Assert.Equal(closed, await store.CloseTicketAsync(ticket.Id));

        var messages = await store.ListMessagesAsync(ticket.Id);
        Assert.Equal([(1, "user", "返金してください", (string?)null), (2, "draft", "ご不便をおかけしました", null), (3, "operator", "承知しました", "op_bob")],
            messages.Select(m => (m.Seq, m.Role, m.Content, m.Author)));
    }

    [Fact]
    public async Task Unknown_tickets_and_roles_are_named_in_the_error()
    {
        var store = await Open();
        Assert.Null(await store.FindTicketAsync("tk_missing"));
        var e = await Assert.ThrowsAsync<RecordNotFoundException>(() => store.AddMessageAsync("tk_missing", TicketMessage.New("operator", "hi")));
        Assert.Contains("tk_missing", e.Message);
        var ticket = await store.CreateTicketAsync(new Ticket { Reason = "user asked" }, []);
        var role = await Assert.ThrowsAsync<ArgumentException>(() => store.AddMessageAsync(ticket.Id, TicketMessage.New("robot", "hi")));
        Assert.Contains("robot", role.Message);
    }

    [Fact]
    public async Task Concurrent_answers_get_distinct_consecutive_sequence_numbers()
    {
        var store = await Open();
        var ticket = await store.CreateTicketAsync(new Ticket { Reason = "router chose human" }, [TicketMessage.New("user", "help")]);
        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.AddMessageAsync(ticket.Id, TicketMessage.New("operator", $"answer {i}")))));
        Assert.Equal(Enumerable.Range(2, 8), added.Select(m => m.Seq).Order());
        Assert.Equal(9, (await store.ListMessagesAsync(ticket.Id)).Count);
    }

    // ---- API keys ----

    [Fact]
    public async Task Api_keys_are_checked_by_secret_and_revoked_keys_are_told_apart_from_forged_ones()
    {
        var store = await Open();
        var created = await store.CreateApiKeyAsync("ci", ApiKeyRole.Operator);
        Assert.StartsWith(created.Key.Prefix + "_", created.Secret);

        Assert.Equal((ApiKeyCheck.Valid, created.Key), await store.CheckApiKeyAsync(created.Secret));
        var forged = created.Secret[..^1] + (created.Secret[^1] == 'A' ? 'B' : 'A');
        Assert.Equal((ApiKeyCheck.Unknown, null), await store.CheckApiKeyAsync(forged));
        Assert.Equal((ApiKeyCheck.Unknown, null), await store.CheckApiKeyAsync("tk_00000000_" + new string('x', 43)));
        Assert.Equal((ApiKeyCheck.Unknown, null), await store.CheckApiKeyAsync("sk-not-ours"));

        var revoked = await store.RevokeApiKeyAsync(created.Key.Id);
        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal((ApiKeyCheck.Revoked, revoked), await store.CheckApiKeyAsync(created.Secret));
        Assert.Equal([revoked], await store.ListApiKeysAsync());
        await Assert.ThrowsAsync<RecordNotFoundException>(() => store.RevokeApiKeyAsync("key_missing"));

        using var raw = OpenRaw();
        var hash = raw.ExecuteScalar<byte[]>("SELECT secret_hash FROM api_keys");
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(created.Secret)), hash);
    }

    // ---- audit ----

    [Fact]
    public async Task The_audit_log_lists_newest_first_and_filters_by_actor_and_subject()
    {
        var store = await Open();
        var first = await store.AppendAuditAsync(AuditEntry.New("key_admin", "apikey.create", "key_1", "role=operator"));
        var second = await store.AppendAuditAsync(AuditEntry.New("op_bob", "ticket.answer", "tk_1"));
        var third = await store.AppendAuditAsync(AuditEntry.New("op_bob", "ticket.close", "tk_1"));
        Assert.True(first.Id < second.Id && second.Id < third.Id);

        Assert.Equal([third, second, first], await store.ListAuditAsync());
        Assert.Equal([third, second], await store.ListAuditAsync(actor: "op_bob"));
        Assert.Equal([first], await store.ListAuditAsync(subject: "key_1"));
        Assert.Equal([third], await store.ListAuditAsync(limit: 1));
    }

    // ---- route decisions ----

    [Fact]
    public async Task Route_decisions_are_replaced_by_id_listed_newest_first_and_survive_a_restart()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
        var store = await Open();
        var log = new StoredRouteLog(store);
        log.Record(Decision("rt_a", at));
        log.Record(Decision("rt_b", at.AddSeconds(1)));
        var withHops = Decision("rt_a", at, [new RouteHop("local-small", "timeout", TimeSpan.FromSeconds(2), "no first token in 2s"), new RouteHop("human", "ok", TimeSpan.FromSeconds(30))]);
        log.Record(withHops);
        store.Dispose();

        var restarted = new StoredRouteLog(await Open());
        Assert.Equal(Json(withHops), Json(restarted.Find("rt_a")!));
        Assert.Null(restarted.Find("rt_missing"));
        Assert.Equal(["rt_b", "rt_a"], restarted.Recent(10).Select(d => d.Id));
        Assert.Equal(["rt_b"], restarted.Recent(1).Select(d => d.Id));
    }

    // ---- encryption ----

    [Fact]
    public async Task Encrypted_text_is_stored_sealed_under_the_current_key()
    {
        var store = await Open();
        var f = Rating("secret comment");
        await store.AddFeedbackAsync(f);
        using var raw = OpenRaw();
        var sealedComment = raw.ExecuteScalar<byte[]>("SELECT comment FROM feedback WHERE id = @Id", new { f.Id })!;
        Assert.Equal(EncryptionKeyRing.IdOf(KeyA), FieldCipher.KeyIdOf(sealedComment));
        Assert.DoesNotContain("secret comment", System.Text.Encoding.UTF8.GetString(sealedComment));
        Assert.Equal("secret comment", (await store.ListFeedbackAsync()).Single().Comment);
    }

    [Fact]
    public async Task After_rotation_old_rows_still_decrypt_and_new_writes_use_the_new_key()
    {
        var before = Rating("written under A");
        var old = await Open(KeyA);
        await old.AddFeedbackAsync(before);
        var ticket = await old.CreateTicketAsync(new Ticket { Reason = "user asked" }, [TicketMessage.New("user", "under A")]);
        old.Dispose();

        var rotated = await Open(KeyB, KeyA);
        var after = Rating("written under B") with { Id = FeedbackEvent.NewId(), CreatedAt = before.CreatedAt.AddMinutes(1) };
        await rotated.AddFeedbackAsync(after);
        Assert.Equal([before, after], await rotated.ListFeedbackAsync());
        Assert.Equal("under A", (await rotated.ListMessagesAsync(ticket.Id)).Single().Content);
        using (var raw = OpenRaw())
            Assert.Equal(EncryptionKeyRing.IdOf(KeyB), FieldCipher.KeyIdOf(raw.ExecuteScalar<byte[]>("SELECT comment FROM feedback WHERE id = @Id", new { after.Id })));

        // Dropping the old key too early is a clear error naming the missing key, not garbage.
        var withoutA = await Open(KeyB);
        var e = await Assert.ThrowsAsync<StoredDataException>(() => withoutA.ListFeedbackAsync());
        Assert.Contains(EncryptionKeyRing.Format(EncryptionKeyRing.IdOf(KeyA)), e.Message);
        Assert.Contains("PreviousKeys", e.Message);
    }

    [Fact]
    public async Task Tampered_or_moved_ciphertext_is_refused()
    {
        var store = await Open();
        var first = Rating("first comment");
        var second = Rating("second comment") with { Id = FeedbackEvent.NewId() };
        await store.AddFeedbackAsync(first);
        await store.AddFeedbackAsync(second);

        using var raw = OpenRaw();
        var sealedFirst = raw.ExecuteScalar<byte[]>("SELECT comment FROM feedback WHERE id = @Id", new { first.Id })!;
        // Another row's valid ciphertext, pasted in: authenticated data ties it to its row.
        raw.Execute("UPDATE feedback SET comment = @sealedFirst WHERE id = @Id", new { sealedFirst, second.Id });
        var moved = await Assert.ThrowsAsync<StoredDataException>(() => store.ListFeedbackAsync());
        Assert.Contains($"feedback.comment:{second.Id}", moved.Message);

        var flipped = (byte[])sealedFirst.Clone();
        flipped[^1] ^= 0x01;
        raw.Execute("UPDATE feedback SET comment = @flipped WHERE id IN (@a, @b)", new { flipped, a = first.Id, b = second.Id });
        var altered = await Assert.ThrowsAsync<StoredDataException>(() => store.ListFeedbackAsync());
        Assert.Contains("failed authentication", altered.Message);
    }

    // ---- outages ----

    [Fact]
    public async Task Feedback_given_during_an_outage_waits_and_is_written_when_the_database_is_back()
    {
        var store = await Open();
        var recorder = new FeedbackRecorder(store, capacity: 3);
        var log = new StoredRouteLog(store);
        var before = Rating("before the outage");
        Assert.Equal(FeedbackRecording.Stored, await recorder.RecordAsync(before));

        await MakeUnavailableAsync();
        var during = Enumerable.Range(0, 3).Select(i => Rating($"during the outage {i}") with { Id = FeedbackEvent.NewId(), CreatedAt = before.CreatedAt.AddSeconds(i + 1) }).ToList();
        foreach (var f in during) Assert.Equal(FeedbackRecording.Queued, await recorder.RecordAsync(f));
        Assert.Equal(3, recorder.Pending);
        // Beyond the bound the caller is told (503), rather than memory growing without limit.
        await Assert.ThrowsAsync<StoreUnavailableException>(() => recorder.RecordAsync(Rating("one too many") with { Id = FeedbackEvent.NewId() }));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ListFeedbackAsync());
        Assert.Equal(0, await recorder.FlushAsync());
        // The route log keeps routing: the decision waits and is served from memory.
        var decision = Decision("rt_outage", before.CreatedAt);
        log.Record(decision);
        Assert.Equal(1, log.Pending);
        Assert.Equal(Json(decision), Json(log.Find("rt_outage")!));

        await RestoreAsync();
        Assert.Equal(3, await recorder.FlushAsync());
        Assert.Equal(1, await log.FlushAsync());
        Assert.Equal((0, 0), (recorder.Pending, log.Pending));
        Assert.Equal([before, .. during], await store.ListFeedbackAsync());
        Assert.Equal(Json(decision), Json(store.FindDecision("rt_outage")!));
    }
}
