using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Server.Feedback;
using Takase.Server.Hosting;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>Puts access control into the server: CORS, the key check in front of every route, and the admin routes.</summary>
public static class AccessRegistration
{
    /// <summary>Registers the gates (after <see cref="StoreRegistration.AddTakaseStore"/>: keys and audit live in the store).</summary>
    public static IServiceCollection AddTakaseAccess(this IServiceCollection services, TakaseServerOptions options)
    {
        var required = options.Auth.IsRequired(HostAddress.Parse(options.Host));
        services.AddSingleton(new CorsGate(options.Cors.Origins));
        services.AddSingleton(new ApiKeyCache(options.Auth.KeyCacheTtl, options.Auth.KeyCacheSize));
        services.AddSingleton(sp => new AccessGate(sp.GetRequiredService<IApiKeyStore>(), sp.GetRequiredService<IAuditLog>(), required,
            options.Auth.AdminKey, sp.GetRequiredService<ILogger<AccessGate>>(), sp.GetRequiredService<ApiKeyCache>()));
        return services;
    }

    /// <summary>Adds CORS and the access gate to the pipeline (after the exception handler, before the routes) and maps /api/admin.</summary>
    public static WebApplication UseTakaseAccess(this WebApplication app)
    {
        var cors = app.Services.GetRequiredService<CorsGate>();
        var gate = app.Services.GetRequiredService<AccessGate>();
        var options = app.Services.GetRequiredService<TakaseServerOptions>();
        if (gate.Required)
            app.Logger.LogInformation("API keys are required (Takase:Auth:Required={Required}, listening on {Host})", options.Auth.Required, options.Host);
        if (gate.Required && options.Auth.AdminKey is null)
            app.Logger.LogWarning("API keys are required but Takase:Auth:AdminKey is not set: only existing keys can call this server, and no key can be created without an admin key");
        app.Use((http, next) => cors.InvokeAsync(http, next));
        app.Use((http, next) => gate.InvokeAsync(http, next));
        AdminApi.Map(app);
        return app;
    }
}
