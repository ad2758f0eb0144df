using System.Net;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Server.Hosting;
using Takase.Server.Persistence;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Persistence;

/// <summary>The store inside the server: configured by Takase:Database, opened at start-up, and the route log's home.</summary>
public sealed class StoreHostingTests : IDisposable
{
    private readonly TempDir _dir = new();

    private WebApplication Build(string[]? args = null, Action<TakaseServerOptions>? configure = null) =>
        TakaseServer.Build(args ?? [], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = _dir.Path;
            o.Database.Path ??= _dir.File("takase.db");
            o.IncludeOllamaModels = false;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task A_profile_changed_through_the_admin_api_is_still_there_after_a_restart()
    {
        string[] args = ["--Takase:Router:Targets:local:Kind=Local", "--Takase:Router:Targets:local:Model=stories260K",
            "--Takase:Router:Profiles:auto:Candidates:0=local"];
        await using (var first = Build(args))
        {
            await first.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(first.Urls.First()) };
            var put = await http.PutAsync("/api/router/profiles/support", new StringContent("""{"candidates": ["local"], "strategy": "Rules"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var bad = await http.PutAsync("/api/router/profiles/broken", new StringContent("""{"candidates": ["nowhere"]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode); // refused changes are not kept either
        }

        await using var second = Build(args);
        await second.StartAsync();
        using var again = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        var profiles = await again.GetStringAsync("/api/router/profiles");
        Assert.Contains("\"support\"", profiles);
        Assert.DoesNotContain("broken", profiles);
    }

    [Fact]
    public async Task A_route_decision_answers_GET_api_routes_after_a_restart()
    {
        var decision = new RouteDecision
        {
            Id = "rt_restart",
            CreatedAt = DateTimeOffset.UtcNow,
            Profile = "auto",
            Strategy = "rules",
            Candidates = [new("local", true, null, null, 0)],
            Order = ["local"],
            Reason = "only candidate",
        };
        await using (var first = Build())
        {
            await first.StartAsync();
            var log = first.Services.GetRequiredService<IRouteLog>();
            Assert.IsType<StoredRouteLog>(log);
            log.Record(decision);
        }
        Assert.True(File.Exists(Path.Combine(_dir.Path, "takase.db")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "takase.db.key")));

        await using var second = Build();
        await second.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        var response = await http.GetAsync("/api/routes/rt_restart");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"rt_restart\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/routes/rt_unknown")).StatusCode);
    }

    [Fact]
    public async Task The_database_path_and_key_come_from_configuration()
    {
        var path = _dir.File("elsewhere/records.db");
        var key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
        await using var app = Build([$"--Takase:Database:Path={path}", $"--Takase:Database:EncryptionKey={key}"]);
        await app.StartAsync();
        var store = app.Services.GetRequiredService<TakaseStore>();
        Assert.Equal($"SQLite {path}", store.Description);
        Assert.Equal(Takase.Server.Persistence.Encryption.EncryptionKeyRing.IdOf(Convert.FromBase64String(key)), store.Keys.CurrentId);
        Assert.False(File.Exists(path + ".key")); // a configured key means no generated one
    }

    [Fact]
    public async Task A_database_from_a_newer_Takase_stops_start_up()
    {
        await using (var first = Build())
            await first.StartAsync();
        SqliteConnection.ClearAllPools();
        using (var raw = new SqliteConnection($"Data Source={_dir.File("takase.db")};Pooling=False"))
            raw.Execute("INSERT INTO schema_version (version, name, applied_ms) VALUES (999, 'future', 0)");

        // The router's route log opens the store while the server is built; either way the server does not start.
        var e = await Assert.ThrowsAsync<StoreSchemaException>(async () =>
        {
            await using var second = Build();
            await second.StartAsync();
        });
        Assert.Contains("999", e.Message);
    }

    [Theory]
    [InlineData("postgres", "Host=localhost;Colour=blue", null, "not a valid PostgreSQL connection string")]
    [InlineData("postgres", null, null, "ConnectionString is empty")]
    [InlineData("postgres", "Host=localhost;Database=takase", null, "EncryptionKey is required with PostgreSQL")]
    [InlineData("mysql", null, null, "'mysql' is unknown")]
    [InlineData("sqlite", null, "c2hvcnQ=", "decodes to 5 bytes")]
    [InlineData("sqlite", null, "not base64!", "is not base64")]
    public void Bad_database_settings_stop_the_build_with_the_setting_named(string provider, string? connection, string? key, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Build(configure: o =>
            o.Database = new DatabaseOptions { Provider = provider, ConnectionString = connection, EncryptionKey = key }));
        Assert.Contains(expected, e.Message);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
