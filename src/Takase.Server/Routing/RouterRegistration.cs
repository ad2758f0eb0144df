using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Routing;
using Takase.Routing.Configuration;
using Takase.Routing.Execution;
using Takase.Routing.Learned;
using Takase.Routing.Profiles;
using Takase.Server.Inference;
using Takase.Server.Models;

namespace Takase.Server.Routing;

/// <summary>
/// Puts the router into the server: binds <c>Takase:Router</c> (appsettings.json, <c>TAKASE__Router__…</c> variables,
/// command-line keys) and validates it before the server starts — an unknown target, an invalid profile or a bad
/// fallback setting stops start-up with every problem named by its key — then registers the router host, the route
/// log and <see cref="RoutedInference"/>. Without the section the server has no profiles and routes nothing.
/// </summary>
public static class RouterRegistration
{
    /// <summary>Binds, validates and registers the router.</summary>
    /// <exception cref="RouterConfigurationException">the configuration is invalid; the message lists each problem by key.</exception>
    public static void AddTakaseRouter(this WebApplicationBuilder builder)
    {
        var setup = RouterConfiguration.Load(builder.Configuration);
        var options = RouterConfiguration.Bind(builder.Configuration.GetSection(RouterOptions.Section), []);
        try
        {
            options.Fallback.Validate($"{RouterOptions.Section}:Fallback:");
        }
        catch (ArgumentException e)
        {
            throw new RouterConfigurationException([e.Message]);
        }

        builder.Services.AddSingleton<IRouteLog>(new RouteLog());
        builder.Services.AddSingleton(sp =>
        {
            // The trained router of a learned profile is its ModelPath (a file `takase router train` wrote; relative
            // paths are under the models folder), unless the host registers its own loader.
            var models = sp.GetService<Func<RouterProfile, IRoutingModel?>>()
                ?? RouterFiles(sp.GetRequiredService<Takase.Server.Hosting.TakaseServerOptions>().ModelsDirectory);
            var executor = new TargetExecutor(setup.Targets.Values, options.Fallback, sp.GetRequiredService<IRouteLog>(),
                classify: RoutedInference.TargetFault);
            var priors = sp.GetService<Evaluations.EvaluationPriors>(); // evaluation results, for profiles routed by priors
            return new RouterHost(options, setup, s => new Router(s, models, priors: () => priors?.Current), executor);
        });
        // One instance: the hosted refresh and the admin API's PUT share its record of what was applied.
        builder.Services.AddSingleton<RouterChanges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RouterChanges>());
        builder.Services.AddSingleton(sp => new RoutedInference(sp.GetRequiredService<RouterHost>(), sp.GetRequiredService<InferenceService>(),
            sp.GetService<Operators.OperatorDesk>()));
        // The operator queue: tickets live in the store, whose registration follows this one.
        builder.Services.AddSingleton(sp => new Operators.OperatorDesk(sp.GetRequiredService<Persistence.ITicketStore>(), sp.GetRequiredService<IRouteLog>(),
            sp, sp.GetService<ILogger<Operators.OperatorDesk>>()));
    }

    /// <summary>Loads a profile's trained router from its ModelPath; null when it names none.</summary>
    public static Func<RouterProfile, IRoutingModel?> RouterFiles(string modelsDirectory) => profile =>
        profile.ModelPath is { Length: > 0 } path
            ? RoutingModelFile.Load(Path.IsPathRooted(path) ? path : Path.Combine(modelsDirectory, path))
            : null;

    /// <summary>
    /// Warns about profiles named like a model of the library: requests for that name are routed, so the model is
    /// only reachable through a profile's local target (or under another tag).
    /// </summary>
    public static void WarnAboutShadowedModels(WebApplication app)
    {
        var catalog = app.Services.GetRequiredService<ModelCatalog>();
        foreach (var profile in app.Services.GetRequiredService<RouterHost>().Router.Profiles)
            if (catalog.Find(profile) is { } model)
                app.Logger.LogWarning("router profile '{Profile}' has the name of the library model '{Model}'; requests for it are routed. Rename the profile to reach the model directly",
                    profile, model.Name);
    }
}
