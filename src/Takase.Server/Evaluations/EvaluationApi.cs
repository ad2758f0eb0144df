using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Persistence;

namespace Takase.Server.Evaluations;

/// <summary>
/// Evaluation results over HTTP: POST /api/evaluations (one model's run, as <c>takase eval --json</c> prints it, plus
/// "target"), GET /api/evaluations (?model=&amp;dataset=&amp;limit=), GET /api/evaluations/{id}; POST and GET
/// /api/router/evaluations. Reading needs any valid key, writing an admin key (when keys are on). A stored run
/// with a target refreshes the router's priors at once.
/// </summary>
public static class EvaluationApi
{
    /// <summary>Most runs one GET returns.</summary>
    public const int MaxList = 1000;

    /// <summary>Maps the routes.</summary>
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/evaluations", async (HttpContext http) =>
        {
            var run = EvaluationBodies.Run(await BodyAsync(http));
            var store = http.RequestServices.GetRequiredService<IEvaluationStore>();
            var stored = await store.AddEvaluationAsync(run, http.RequestAborted);
            if (stored.Target is not null) await http.RequestServices.GetRequiredService<EvaluationPriors>().RefreshAsync(store, http.RequestAborted);
            return Write(http, EvaluationJson.From(stored), StatusCodes.Status201Created);
        });
        app.MapGet("/api/evaluations", async (HttpContext http) =>
        {
            var q = http.Request.Query;
            var runs = await http.RequestServices.GetRequiredService<IEvaluationStore>().ListEvaluationsAsync(
                NonEmpty(q["model"]), NonEmpty(q["dataset"]), Limit(http), http.RequestAborted);
            return Write(http, new EvaluationList(runs.Select(EvaluationJson.From).ToList()));
        });
        app.MapGet("/api/evaluations/{id}", async (HttpContext http, string id) =>
        {
            var run = await http.RequestServices.GetRequiredService<IEvaluationStore>().FindEvaluationAsync(id, http.RequestAborted);
            if (run is null) return Write(http, new { error = $"evaluation '{id}' not found" }, StatusCodes.Status404NotFound);
            var json = JsonSerializer.SerializeToNode(EvaluationJson.From(run), EvaluationBodies.Json)!.AsObject();
            json["options"] = run.Options is null ? null : JsonNode.Parse(run.Options);
            return Write(http, json);
        });
        app.MapPost("/api/router/evaluations", async (HttpContext http) =>
        {
            var run = EvaluationBodies.RouterRun(await BodyAsync(http));
            var stored = await http.RequestServices.GetRequiredService<IEvaluationStore>().AddRouterEvaluationAsync(run, http.RequestAborted);
            return Write(http, RouterEvaluationJson.From(stored), StatusCodes.Status201Created);
        });
        app.MapGet("/api/router/evaluations", async (HttpContext http) =>
        {
            var runs = await http.RequestServices.GetRequiredService<IEvaluationStore>().ListRouterEvaluationsAsync(Limit(http), http.RequestAborted);
            return Write(http, new RouterEvaluationList(runs.Select(RouterEvaluationJson.From).ToList()));
        });
    }

    private static async Task<JsonObject> BodyAsync(HttpContext http)
    {
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the body is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw new ArgumentException("the body must be a JSON object (one run)");
    }

    private static int Limit(HttpContext http)
    {
        if (http.Request.Query["limit"] is not { Count: > 0 } given) return 100;
        return int.TryParse(given, out var limit) && limit is >= 1 and <= MaxList ? limit
            : throw new ArgumentException($"limit must be a whole number from 1 to {MaxList}, not '{given}'");
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues value) => value is { Count: > 0 } v && v[0] is { Length: > 0 } s ? s : null;

    private static IResult Write<T>(HttpContext http, T value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, EvaluationBodies.Json, "application/json; charset=utf-8", status);
}
