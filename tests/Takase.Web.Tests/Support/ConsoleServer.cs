using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Server.Hosting;
using Takase.Server.Persistence;
using Takase.Tests.Support;

namespace Takase.Web.Tests.Support;

/// <summary>
/// A real Takase server on a free loopback port with its own SQLite database and no models, serving the console.
/// Secured servers require keys and know the bootstrap <see cref="AdminKey"/>; open ones are the loopback default.
/// The router has a human target "desk" (a client waits up to 45 s for an operator) and a profile "support" that hands
/// every request to it, and two remote targets an operator may ask for a draft: "fast" and "careful" (privacy External),
/// answered by a <see cref="DraftProvider"/>.
/// </summary>
public sealed class ConsoleServer : IAsyncDisposable
{
    /// <summary>The bootstrap admin key of secured servers.</summary>
    public const string AdminKey = "console-test-admin-key-0123456789";

    private readonly TempDir _dir = new();
    private WebApplication _app = null!;
    private DraftProvider? _provider;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>The console's address.</summary>
    public Uri ConsoleAddress => new(BaseAddress, "console/");
    /// <summary>A client without a key.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;
    /// <summary>The server's store, for seeding tickets and reading back what the console did.</summary>
    public ITakaseStore Store => Services.GetRequiredService<ITakaseStore>();

    /// <summary>Starts a server; secured ones require keys.</summary>
    public static async Task<ConsoleServer> StartAsync(bool secured)
    {
        var server = new ConsoleServer();
        var provider = server._provider = await DraftProvider.StartAsync();
        const string r = "--Takase:Router:";
        string[] args =
        [
            $"{r}Targets:fast:Kind=Remote", $"{r}Targets:fast:Endpoint={provider.Endpoint("fast")}", $"{r}Targets:fast:Model=fast-model",
            $"{r}Targets:careful:Kind=Remote", $"{r}Targets:careful:Endpoint={provider.Endpoint("careful")}", $"{r}Targets:careful:Model=careful-model",
            $"{r}Targets:careful:Privacy=External",
            $"{r}Targets:desk:Kind=Human", $"{r}Targets:desk:Timeout=00:00:45",
            $"{r}Profiles:support:Candidates:0=desk",
        ];
        server._app = TakaseServer.Build([.. args, "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = server._dir.File("models");
            o.IncludeOllamaModels = false;
            o.Database.Path = server._dir.File("takase.db");
            if (secured)
            {
                o.Auth.Required = "true";
                o.Auth.AdminKey = AdminKey;
            }
        });
        await server._app.StartAsync();
        server.BaseAddress = new Uri(server._app.Urls.First().TrimEnd('/') + "/");
        server.Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return server;
    }

    /// <summary>Creates an API key with <paramref name="role"/> ("client", "operator", "admin"); returns its secret.</summary>
    public async Task<string> CreateKeyAsync(string name, ApiKeyRole role) =>
        (await Store.CreateApiKeyAsync(name, role)).Secret;

    /// <summary>
    /// Opens a ticket as the operator queue would: the conversation, optionally an AI draft and a routing decision
    /// (recorded in the server's route log, so GET /api/routes/{id} finds it), opened <paramref name="waitingFor"/> ago.
    /// </summary>
    public async Task<Ticket> SeedTicketAsync(string reason, IEnumerable<TicketMessage> conversation, TimeSpan waitingFor,
        string? draft = null, RouteDecision? route = null)
    {
        if (route is not null) Services.GetRequiredService<IRouteLog>().Record(route);
        var ticket = await Store.CreateTicketAsync(
            new Ticket { Reason = reason, RouteId = route?.Id, CreatedAt = DateTimeOffset.UtcNow - waitingFor }, conversation);
        if (draft is not null) await Store.AddMessageAsync(ticket.Id, TicketMessage.New("draft", draft, "draft-model"));
        return ticket;
    }

    /// <summary>Sends a request with <paramref name="key"/> as a bearer token (none when null).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key = null, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return Http.SendAsync(request);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_provider is not null) await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
