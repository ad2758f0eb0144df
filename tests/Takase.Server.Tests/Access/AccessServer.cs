using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Access;

/// <summary>
/// A real Takase server on loopback with its own database folder and no models, for access and feedback tests. The
/// database lives in a subfolder so a test can take it away (an outage) and bring it back.
/// </summary>
public sealed class AccessServer : IAsyncDisposable
{
    /// <summary>The bootstrap admin key the secured servers are configured with.</summary>
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly TempDir _dir = new();
    private WebApplication _app = null!;

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;
    /// <summary>A client without a key.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The folder holding takase.db.</summary>
    public string DatabaseFolder => _dir.File("db");

    /// <summary>Starts a server; <paramref name="configure"/> sets options (auth, CORS) over the test defaults.</summary>
    public static async Task<AccessServer> StartAsync(Action<TakaseServerOptions>? configure = null, string[]? args = null)
    {
        var server = new AccessServer();
        Directory.CreateDirectory(server.DatabaseFolder);
        server._app = TakaseServer.Build(args ?? [], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = server._dir.File("models");
            o.IncludeOllamaModels = false;
            o.Database.Path = Path.Combine(server.DatabaseFolder, "takase.db");
            configure?.Invoke(o);
        });
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        server.Http = new HttpClient { BaseAddress = new Uri(server._app.Urls.First()) };
        return server;
    }

    /// <summary>Starts a server that requires keys, with the bootstrap admin key.</summary>
    public static Task<AccessServer> StartSecuredAsync(Action<TakaseServerOptions>? configure = null) => StartAsync(o =>
    {
        o.Auth.Required = "true";
        o.Auth.AdminKey = AdminKey;
        configure?.Invoke(o);
    });

    /// <summary>Sends a request with <paramref name="key"/> as a bearer token (none when null).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Creates a key through the admin API with the bootstrap admin key; returns (id, secret).</summary>
    public async Task<(string Id, string Secret)> CreateKeyAsync(string name, string role)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/admin/keys", AdminKey, new { name, role });
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("id").GetString()!, json.RootElement.GetProperty("key").GetString()!);
    }

    /// <summary>Takes the database away while the server runs: the folder moves and pooled connections are dropped.</summary>
    public void TakeDatabaseAway()
    {
        SqliteConnection.ClearAllPools();
        Directory.Move(DatabaseFolder, DatabaseFolder + ".away");
    }

    /// <summary>Ends the outage.</summary>
    public void BringDatabaseBack() => Directory.Move(DatabaseFolder + ".away", DatabaseFolder);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
