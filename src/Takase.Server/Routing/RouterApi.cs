using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing;
using Takase.Routing.Configuration;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using Takase.Server.Ollama;

namespace Takase.Server.Routing;

/// <summary>
/// The router's own routes: decisions by id and the recent ones (GET /api/routes/{id}, GET /api/routes?limit=N), and
/// the admin API over targets and profiles (GET /api/router/targets, GET /api/router/profiles, PUT of one by name).
/// A PUT is validated like the configuration at start-up (a 400 names each problem by key), applied at once and stored;
/// other nodes of the same database follow it within their <c>Takase:Router:RefreshInterval</c>.
/// </summary>
public static class RouterApi
{
    /// <summary>The response header that carries a routed answer's decision id (GET /api/routes/{id}).</summary>
    public const string RouteHeader = "x-takase-route-id";

    /// <summary>Most decisions one GET /api/routes returns.</summary>
    public const int MaxRecent = 1000;

    /// <summary>snake_case, enums by name: the shape of targets and profiles in the admin API.</summary>
    internal static JsonSerializerOptions AdminJson { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Maps the routes.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/routes/{id}", (HttpContext http, string id) =>
        {
            var decision = http.RequestServices.GetRequiredService<IRouteLog>().Find(id);
            return decision is null
                ? OllamaJson.WriteAsync(http.Response, new { error = $"route '{id}' not found; routes are kept in memory for the most recent decisions" }, StatusCodes.Status404NotFound)
                : OllamaJson.WriteAsync(http.Response, RouteExplanation.From(decision));
        });
        app.MapGet("/api/routes", (HttpContext http) =>
        {
            var limit = 20;
            if (http.Request.Query["limit"] is { Count: > 0 } given && (!int.TryParse(given, out limit) || limit < 1 || limit > MaxRecent))
                return OllamaJson.WriteAsync(http.Response, new { error = $"limit must be a whole number from 1 to {MaxRecent}, not '{given}'" }, StatusCodes.Status400BadRequest);
            var recent = http.RequestServices.GetRequiredService<IRouteLog>().Recent(limit);
            return OllamaJson.WriteAsync(http.Response, new { routes = recent.Select(RouteExplanation.From).ToList() });
        });

        app.MapGet("/api/router/targets", (HttpContext http) =>
        {
            var host = http.RequestServices.GetRequiredService<RouterHost>();
            var targets = host.Setup.Targets.Values.OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Select(t => TargetJson(host, t)).ToList();
            return WriteAdmin(http, new JsonObject { ["targets"] = new JsonArray([.. targets]) });
        });
        app.MapGet("/api/router/profiles", (HttpContext http) =>
        {
            var host = http.RequestServices.GetRequiredService<RouterHost>();
            var profiles = host.Setup.Profiles.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .Select(p => JsonSerializer.SerializeToNode(p, AdminJson)).ToList();
            return WriteAdmin(http, new JsonObject { ["profiles"] = new JsonArray([.. profiles]) });
        });
        app.MapPut("/api/router/targets/{name}", (HttpContext http, string name) => PutAsync<TargetDefinition>(http, name, "Targets",
            (host, t) => TargetJson(host, host.PutTarget(name, t))));
        app.MapPut("/api/router/profiles/{name}", (HttpContext http, string name) => PutAsync<RouterProfile>(http, name, "Profiles",
            (host, p) => JsonSerializer.SerializeToNode(host.PutProfile(name, p), AdminJson)!));
        RouteStatsApi.Map(app);
    }

    /// <summary>
    /// Awaits a routed answer and puts its decision id in the <see cref="RouteHeader"/> header — also when every target
    /// failed, so the error response can be explained with GET /api/routes/{id} too.
    /// </summary>
    /// <remarks>
    /// Returns null when the response is already written and the endpoint has nothing left to do: the request went to
    /// a person and its client asked not to wait (202 with the ticket to poll), or a stream that began with the
    /// operator status chunk ended in an error line. A request that waits for an operator while streaming has its
    /// header sent with the status chunk.
    /// </remarks>
    internal static async Task<RoutedSession?> WithRouteHeader(HttpContext http, Task<RoutedSession> routing)
    {
        try
        {
            var session = await routing;
            if (!http.Response.HasStarted) http.Response.Headers[RouteHeader] = session.Decision.Id;
            return session;
        }
        catch (Takase.Routing.Execution.HandedToOperatorException e)
        {
            if (e.Decision is { } decision) http.Response.Headers[RouteHeader] = decision.Id;
            await OperatorWait.AcceptedAsync(http, e.TicketId);
            return null;
        }
        catch (Takase.Routing.Execution.AllTargetsFailedException e)
        {
            if (OperatorWait.StartedFor(http) is { } waiting && http.Response.HasStarted)
            {
                // The stream began with the operator status chunk; the failure ends it (the endpoint has nothing to add).
                await waiting.FailedAsync(e.Message);
                return null;
            }
            http.Response.Headers[RouteHeader] = e.Decision.Id;
            throw;
        }
        catch (Takase.Routing.Privacy.PiiBlockedException e)
        {
            // A refusal the client can act on (a 400), naming the entity types only: OpenAI's invalid_request_error
            // with the field at fault, Ollama's {"error": …}.
            if (Hosting.ApiErrors.IsOpenAi(http.Request))
                throw new OpenAI.OpenAiRequestException(e.Message,
                    http.Request.Path.StartsWithSegments("/v1/completions") ? "prompt" : "messages", "pii_blocked");
            throw new RoutingException(e.Message, e);
        }
    }

    /// <summary>The profiles as models in /api/tags (family "router").</summary>
    internal static IEnumerable<ListModel> ProfilesAsModels(IServiceProvider services) =>
        (services.GetService<RouterHost>()?.Router.Profiles ?? []).Select(p => new ListModel
        {
            Name = p,
            Model = p,
            ModifiedAt = Started,
            Size = 0,
            Digest = "",
            Details = new ModelDetails { Format = "router", Family = "router", Families = ["router"] },
        });

    /// <summary>When the server started (what a profile reports as its modification time).</summary>
    internal static DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    private static JsonNode TargetJson(RouterHost host, TargetDefinition target)
    {
        var node = JsonSerializer.SerializeToNode(target, AdminJson)!;
        node["circuit"] = host.Executor.CircuitOf(target.Name).ToString().ToLowerInvariant();
        return node;
    }

    private static async Task PutAsync<T>(HttpContext http, string name, string kind, Func<RouterHost, T, JsonNode> apply) where T : class
    {
        var host = http.RequestServices.GetRequiredService<RouterHost>();
        var key = $"{RouterOptions.Section}:{kind}:{name}";
        T value;
        JsonObject body;
        try
        {
            // The name is the path's; a body need not repeat it.
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject
                ?? throw new JsonException("the body must be a JSON object");
            body["name"] = name;
            value = body.Deserialize<T>(AdminJson) ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            await OllamaJson.WriteAsync(http.Response, new { error = $"{key}: invalid JSON: {e.Message}" }, StatusCodes.Status400BadRequest);
            return;
        }
        JsonNode applied;
        // No refresh from the store runs between applying and storing, so it cannot put back the row being replaced.
        var refresh = http.RequestServices.GetService<RouterChanges>();
        using (refresh is null ? null : await refresh.HoldAsync(http.RequestAborted))
        {
            try
            {
                applied = apply(host, value);
            }
            catch (RouterConfigurationException e)
            {
                await OllamaJson.WriteAsync(http.Response, new { error = e.Message, problems = e.Problems }, StatusCodes.Status400BadRequest);
                return;
            }
            // Kept, so the change outlives a restart and reaches the other nodes (a database outage makes this a 503
            // that says the change was not saved).
            if (http.RequestServices.GetService<Takase.Server.Persistence.IRouterChangeStore>() is { } changes)
            {
                var change = new Takase.Server.Persistence.RouterChange(RouterChanges.KindOf(kind), name, body.ToJsonString(), DateTimeOffset.UtcNow);
                await changes.SaveRouterChangeAsync(change, http.RequestAborted);
                refresh?.Applied(change);
            }
        }
        await WriteAdmin(http, applied);
    }

    /// <summary>Applies a stored admin change again (at start-up, or made on another node), exactly as its PUT did.</summary>
    /// <exception cref="JsonException">the stored definition does not parse.</exception>
    /// <exception cref="RouterConfigurationException">it no longer fits the configuration.</exception>
    internal static void Reapply(RouterHost host, Takase.Server.Persistence.RouterChange change)
    {
        if (change.Kind == "target")
            host.PutTarget(change.Name, JsonSerializer.Deserialize<TargetDefinition>(change.Definition, AdminJson) ?? throw new JsonException("null definition"));
        else
            host.PutProfile(change.Name, JsonSerializer.Deserialize<RouterProfile>(change.Definition, AdminJson) ?? throw new JsonException("null definition"));
    }

    private static Task WriteAdmin(HttpContext http, JsonNode value)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(value.ToJsonString(AdminJson), http.RequestAborted);
    }
}
