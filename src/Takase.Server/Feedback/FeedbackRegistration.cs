using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Routing;
using Takase.Routing.Learned;
using Takase.Routing.Profiles;
using Takase.Server.Hosting;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Feedback;

/// <summary>Puts learning from feedback into the server: <c>Takase:Feedback</c>, the online learner and the router's model loader.</summary>
public static class FeedbackRegistration
{
    /// <summary>
    /// Registers <see cref="OnlineRouterLearning"/> (bound from <c>Takase:Feedback</c> when first resolved), as a
    /// hosted service and as the router's model loader, so learning profiles get a live model.
    /// </summary>
    public static IServiceCollection AddTakaseFeedback(this IServiceCollection services, TakaseServerOptions options)
    {
        services.AddSingleton(sp =>
        {
            var configured = new FeedbackOptions();
            sp.GetRequiredService<IConfiguration>().GetSection(FeedbackOptions.Section).Bind(configured);
            return new OnlineRouterLearning(configured, sp.GetRequiredService<IFeedbackStore>(), sp.GetRequiredService<RouterHost>,
                sp.GetRequiredService<IRouteLog>(), sp.GetService<ITicketStore>(), options.ModelsDirectory,
                sp.GetService<ILogger<OnlineRouterLearning>>());
        });
        services.AddSingleton<Func<RouterProfile, IRoutingModel?>>(sp => sp.GetRequiredService<OnlineRouterLearning>().ModelFor);
        services.AddHostedService(sp => sp.GetRequiredService<OnlineRouterLearning>());
        return services;
    }
}
