using System.Data.Common;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Takase.Routing.Decisions;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Persistence;

/// <summary>The repository suite on SQLite (a file in a scratch folder per test), plus what only a file can show.</summary>
public sealed class SqliteStoreTests : StoreTests
{
    private readonly TempDir _dir = new();
    private string Folder => Path.Combine(_dir.Path, "db");
    private string DatabasePath => Path.Combine(Folder, "takase.db");

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task CreateDatabaseAsync() => Task.CompletedTask; // the store creates the file

    protected override TakaseStore OpenStore(EncryptionKeyRing keys) => TakaseStore.OpenSqlite(DatabasePath, keys);

    protected override DbConnection OpenRaw()
    {
        // Unpooled, so a test that moves the folder leaves no handle behind.
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
        c.Open();
        return c;
    }

    protected override Task MakeUnavailableAsync()
    {
        // The volume goes away: the folder is moved, and pooled connections (which still hold the old file open) are dropped.
        SqliteConnection.ClearAllPools();
        Directory.Move(Folder, Folder + ".away");
        return Task.CompletedTask;
    }

    protected override Task RestoreAsync()
    {
        Directory.Move(Folder + ".away", Folder);
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Conversation_text_never_reaches_the_database_files_in_clear()
    {
        const string marker = "MARKER-7f3a-plaintext";
        var store = await Open();
        await store.AddFeedbackAsync(new FeedbackEvent
        {
            Kind = FeedbackKind.Edit,
            Author = "author-in-clear-7f3a",
            Prompt = marker + " prompt",
            Answer = marker + " answer",
            EditedText = marker + " edit",
            Comment = marker + " comment",
        });
        var ticket = await store.CreateTicketAsync(new Ticket { Reason = "user asked" }, [TicketMessage.New("user", marker + " 個人情報")]);
        await store.AddMessageAsync(ticket.Id, TicketMessage.New("operator", marker + " answer"));
        store.SaveDecision(new RouteDecision
        {
            Id = "rt_marker",
            CreatedAt = DateTimeOffset.UtcNow,
            Profile = "auto",
            Strategy = "ngram",
            Candidates = [],
            Order = ["local"],
            Contributions = [new("ngram:" + marker, 0.5, marker, 0, marker.Length)],
            Reason = "words: " + marker,
        });
        var key = await store.CreateApiKeyAsync("marker key", ApiKeyRole.Client);

        // Every file SQLite wrote (the database and, unless the last connection closed and checkpointed it, the
        // write-ahead log and shared-memory index), read while they may be open.
        var files = Directory.GetFiles(Folder, "takase.db*");
        var bytes = files.SelectMany(ReadShared).ToArray();
        // Control: columns stored in clear are found, so the scan does see the data.
        Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes("author-in-clear-7f3a")) >= 0, "the scan did not find a column stored in clear");
        Assert.Equal(-1, IndexOf(bytes, Encoding.UTF8.GetBytes("MARKER-7f3a")));
        Assert.Equal(-1, IndexOf(bytes, Encoding.Unicode.GetBytes("MARKER-7f3a")));
        Assert.Equal(-1, IndexOf(bytes, Encoding.UTF8.GetBytes(key.Secret)));
    }

    [Fact]
    public async Task The_database_runs_in_wal_mode()
    {
        (await Open()).Dispose();
        using var raw = OpenRaw();
        Assert.Equal("wal", raw.ExecuteScalar<string>("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Without_a_configured_key_a_0600_key_file_is_generated_beside_the_database_and_reused()
    {
        var options = new DatabaseOptions { Path = DatabasePath };
        Directory.CreateDirectory(Folder);
        string id;
        using (var store = TakaseStore.Open(options, _dir.Path, NullLogger.Instance))
        {
            await store.AddFeedbackAsync(new FeedbackEvent { Kind = FeedbackKind.Rating, Thumb = -1, Comment = "kept" });
            id = EncryptionKeyRing.Format(store.Keys.CurrentId);
        }
        var keyFile = KeyFile.PathFor(DatabasePath);
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

        using var reopened = TakaseStore.Open(options, _dir.Path, NullLogger.Instance);
        Assert.Equal(id, EncryptionKeyRing.Format(reopened.Keys.CurrentId));
        Assert.Equal("kept", (await reopened.ListFeedbackAsync()).Single().Comment);

        // Configuring a key later: it encrypts new writes, and the generated file still decrypts the old rows.
        using var configured = TakaseStore.Open(new DatabaseOptions { Path = DatabasePath, EncryptionKey = Convert.ToBase64String(KeyB) }, _dir.Path, NullLogger.Instance);
        Assert.Equal(EncryptionKeyRing.IdOf(KeyB), configured.Keys.CurrentId);
        Assert.Equal("kept", (await configured.ListFeedbackAsync()).Single().Comment);
    }

    [Fact]
    public void The_default_database_is_takase_db_in_the_folder_the_server_names()
    {
        Assert.Equal(Path.Combine(_dir.Path, "takase.db"), TakaseStore.SqlitePath(new DatabaseOptions(), _dir.Path));
        Assert.Equal(DatabasePath, TakaseStore.SqlitePath(new DatabaseOptions { Path = DatabasePath }, _dir.Path));
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
