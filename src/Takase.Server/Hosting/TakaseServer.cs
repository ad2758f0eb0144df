using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Library.Store;
using Takase.Server.Access;
using Takase.Server.Norms;
using Takase.Server.Feedback;
using Takase.Server.Inference;
using Takase.Server.Metrics;
using Takase.Server.Models;
using Takase.Server.Ollama;
using Takase.Server.OpenAI;
using Takase.Server.Persistence;
using Takase.Server.Routing;
using Takase.Server.Web;

namespace Takase.Server.Hosting;

/// <summary>Builds the Takase web server: Kestrel, the model manager, and the Ollama and OpenAI APIs.</summary>
public static class TakaseServer
{
    /// <summary>
    /// Creates the application. Settings come from appsettings.json, TAKASE__… environment variables and the
    /// Ollama-style variables (see <see cref="TakaseServerOptions"/>); <paramref name="configure"/> applies last
    /// (command-line flags, tests).
    /// </summary>
    public static WebApplication Build(string[] args, Action<TakaseServerOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = TakaseServerOptions.FromConfiguration(builder.Configuration);
        options.ApplyEnvironment(Environment.GetEnvironmentVariable);
        configure?.Invoke(options);
        options.Validate();
        var url = HostAddress.Parse(options.Host);

        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Slow-loris defence: headers must arrive promptly and bodies at a minimum rate.
            k.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: options.MinBodyRateGracePeriod);
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls(url.ToString().TrimEnd('/'));
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => new ModelStore(options.ModelsDirectory, OllamaFolder(options)));
        builder.Services.AddSingleton(sp => new ModelCatalog(options.ModelsDirectory, sp.GetRequiredService<ModelStore>()));
        builder.Services.AddHttpClient();
        builder.Services.AddSingleton<ModelManager>();
        builder.Services.AddSingleton<IOutputConstraintFactory, GrammarConstraintFactory>();
        builder.Services.AddSingleton(sp => new InferenceService(sp.GetRequiredService<ModelManager>(), sp.GetService<IOutputConstraintFactory>()));
        builder.Services.AddTakaseMetrics();
        builder.AddTakaseRouter();
        builder.Services.AddTakaseStore(options); // after the router: its persistent IRouteLog replaces the in-memory one
        builder.Services.AddTakaseAccess(options);
        builder.Services.AddTakaseNorms(builder.Configuration); // after the router and the store: norms name targets and are stored
        builder.Services.AddTakaseFeedback(options);
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

        var app = builder.Build();
        app.UseTakaseMetrics();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Client errors are answered, not logged as server failures with a stack trace.
            SuppressDiagnosticsCallback = c => ApiErrors.StatusFor(c.Exception) is not null,
            ExceptionHandler = async context =>
            {
                var e = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                if (e is null || context.Response.HasStarted) return;
                var status = ApiErrors.StatusFor(e);
                if (status is null)
                    app.Logger.LogError(e, "unhandled error on {Path}", context.Request.Path);
                await ApiErrors.WriteAsync(context, status ?? StatusCodes.Status500InternalServerError,
                    status is null ? "internal server error; see the server log" : e.Message);
            },
        });
        app.UseTakaseConsole(); // the console's page files, open like a login page; its API calls pass the gate below
        app.UseTakaseAccess(); // CORS and API keys in front of every route below
        FeedbackApi.Map(app);
        app.MapGet("/", () => Results.Text("Ollama is running")); // clients probe this exact text
        app.MapMethods("/", ["HEAD"], () => Results.Ok());
        OllamaApi.Map(app);
        ReadinessApi.Map(app);
        OpenAiApi.Map(app);
        RouterApi.Map(app);
        Evaluations.EvaluationApi.Map(app);
        NormsApi.Map(app);
        Operators.OperatorApi.Map(app);
        RouterRegistration.WarnAboutShadowedModels(app);
        return app;
    }

    /// <summary>Ollama's models folder, offered read-only, when it exists and is not the store itself.</summary>
    private static string[] OllamaFolder(TakaseServerOptions options)
    {
        if (!options.IncludeOllamaModels) return [];
        var folder = Environment.GetEnvironmentVariable(ModelStore.OllamaModelsEnvironmentVariable) is { Length: > 0 } o ? o
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ollama", "models");
        return Directory.Exists(folder) && Path.GetFullPath(folder) != Path.GetFullPath(options.ModelsDirectory) ? [folder] : [];
    }
}
