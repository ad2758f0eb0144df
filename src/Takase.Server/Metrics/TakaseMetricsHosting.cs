using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Models;

namespace Takase.Server.Metrics;

/// <summary>Wires <see cref="TakaseMetrics"/> into the server: the registry, the request-counting middleware, GET /metrics.</summary>
public static class TakaseMetricsHosting
{
    /// <summary>The Prometheus text format's media type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Registers the metrics registry (a singleton reading gauges from the <see cref="ModelManager"/>).</summary>
    public static IServiceCollection AddTakaseMetrics(this IServiceCollection services) =>
        services.AddSingleton(sp => new TakaseMetrics(sp.GetService<ModelManager>()));

    /// <summary>
    /// Counts every request by route pattern, method and final status (499 when the client went away first) and maps
    /// GET /metrics. Call it before the exception handler so the status it records is the one the client got.
    /// </summary>
    public static WebApplication UseTakaseMetrics(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<TakaseMetrics>();
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            // The exception handler clears the endpoint before it writes an error, so remember it now.
            var endpoint = context.GetEndpoint();
            var failed = false;
            try
            {
                await next(context);
            }
            catch
            {
                failed = true;
                throw;
            }
            finally
            {
                var route = ((endpoint ?? context.GetEndpoint()) as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                var status = context.RequestAborted.IsCancellationRequested ? 499
                    : failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError
                    : context.Response.StatusCode;
                metrics.RecordRequest(route, context.Request.Method, status, Stopwatch.GetElapsedTime(started));
            }
        });
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), ContentType));
        return app;
    }
}
