using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Cluster;

/// <summary>
/// The human queue across two server nodes sharing one PostgreSQL database (TAKASE_TEST_POSTGRES; .ci/run starts
/// one): a client waiting on node A receives the answer an operator gives on node B (the waiter re-reads the store),
/// and two operators claiming one ticket at once on different nodes get exactly one win and one 409 naming the holder.
/// </summary>
public sealed class SharedDeskTests : IAsyncLifetime
{
    private const string Variable = "TAKASE_TEST_POSTGRES";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly string _database = "takase_d_" + Guid.NewGuid().ToString("N")[..16];
    private readonly TempDir _dir = new();
    private readonly List<WebApplication> _apps = [];
    private string? _admin;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_admin is not null)
        {
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ToString());
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE);", admin);
            await drop.ExecuteNonQueryAsync();
        }
        _dir.Dispose();
    }

    /// <summary>Two nodes on one fresh database, with a human target "desk" behind profile "support".</summary>
    private async Task<(HttpClient A, HttpClient B)> StartTwoNodesAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(admin))
            Assert.Skip($"{Variable} is not set; the shared-desk tests need a PostgreSQL server and a role with CREATEDB (.ci/run sets this up)");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync(Cancel);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database};", c);
            await create.ExecuteNonQueryAsync(Cancel);
        }
        _admin = admin;
        var connection = new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ToString();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string[] args = ["--Takase:Router:Targets:desk:Kind=Human", "--Takase:Router:Targets:desk:Timeout=00:01:00",
            "--Takase:Router:Profiles:support:Candidates:0=desk"];
        var clients = new List<HttpClient>();
        for (var i = 0; i < 2; i++)
        {
            var models = Directory.CreateDirectory(_dir.File($"models{i}")).FullName;
            var app = TakaseServer.Build(args, o =>
            {
                o.Host = "127.0.0.1:0";
                o.IncludeOllamaModels = false;
                o.ModelsDirectory = models;
                o.Database.Provider = "postgres";
                o.Database.ConnectionString = connection;
                o.Database.EncryptionKey = key;
            });
            await app.StartAsync(Cancel);
            _apps.Add(app);
            clients.Add(new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(1) });
        }
        return (clients[0], clients[1]);
    }

    private static async Task<string> QueueTicketAsync(HttpClient node, string question)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "support", messages = new[] { new { role = "user", content = question } } }),
        };
        request.Headers.Add("Prefer", "respond-async");
        using var r = await node.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("ticket_id").GetString()!;
    }

    [Fact]
    public async Task AClientWaitingOnOneNodeGetsTheAnswerGivenOnTheOther()
    {
        var (a, b) = await StartTwoNodesAsync();
        var asking = a.PostAsJsonAsync("v1/chat/completions",
            new { model = "support", messages = new[] { new { role = "user", content = "Where is my parcel?" } } }, Cancel);

        // The ticket the waiting request opened on node A, as node B's operator queue shows it.
        string? ticketId = null;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            while (ticketId is null)
            {
                var queue = await b.GetFromJsonAsync<JsonElement>("api/operator/tickets", wait.Token);
                ticketId = queue.GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("id").GetString()).FirstOrDefault();
                if (ticketId is null) await Task.Delay(50, wait.Token);
            }
        }
        using (var answered = await b.PostAsJsonAsync($"api/operator/tickets/{ticketId}/answer", new { content = "It arrives tomorrow." }, Cancel))
            Assert.True(answered.IsSuccessStatusCode, await answered.Content.ReadAsStringAsync(Cancel));

        using var response = await asking.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal("It arrives tomorrow.", JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task TwoOperatorsClaimingOneTicketOnDifferentNodesGetOneWinAndOneConflict()
    {
        var (a, b) = await StartTwoNodesAsync();
        var ticketId = await QueueTicketAsync(a, "I want a refund");

        var claims = await Task.WhenAll(
            a.PostAsJsonAsync($"api/operator/tickets/{ticketId}/assign", new { assignee = "alice" }, Cancel),
            b.PostAsJsonAsync($"api/operator/tickets/{ticketId}/assign", new { assignee = "bob" }, Cancel));
        try
        {
            var statuses = claims.Select(c => c.StatusCode).ToList();
            Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
            Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Conflict));
            var winner = claims[statuses.IndexOf(HttpStatusCode.OK)];
            var loser = claims[statuses.IndexOf(HttpStatusCode.Conflict)];
            var holder = (await winner.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("ticket").GetProperty("assignee").GetString();
            var conflict = await loser.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Assert.Equal(holder, conflict.GetProperty("assignee").GetString());
            Assert.Contains($"assigned to {holder}", conflict.GetProperty("error").GetString());

            // Claiming one's own ticket again is fine; taking it over needs force.
            var other = holder == "alice" ? "bob" : "alice";
            using (var again = await b.PostAsJsonAsync($"api/operator/tickets/{ticketId}/assign", new { assignee = holder }, Cancel))
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            using var forced = await a.PostAsJsonAsync($"api/operator/tickets/{ticketId}/assign", new { assignee = other, force = true }, Cancel);
            Assert.Equal(other, (await forced.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("ticket").GetProperty("assignee").GetString());
        }
        finally
        {
            foreach (var c in claims) c.Dispose();
        }
    }
}
