using Microsoft.Extensions.Configuration;

namespace Takase.Server.Hosting;

/// <summary>
/// Server settings, bound from the "Takase" configuration section (appsettings.json, or environment variables such as
/// TAKASE__MODELS__DIRECTORY) with the short environment variables users know from Ollama applied on top
/// (TAKASE_HOST/OLLAMA_HOST, TAKASE_MODELS, OLLAMA_NUM_PARALLEL, OLLAMA_MAX_QUEUE, OLLAMA_MAX_LOADED_MODELS,
/// OLLAMA_KEEP_ALIVE, OLLAMA_CONTEXT_LENGTH).
/// </summary>
public sealed class TakaseServerOptions
{
    /// <summary>Where to listen: "127.0.0.1:11434", "0.0.0.0", ":8080", "http://host:port".</summary>
    public string Host { get; set; } = "127.0.0.1:11434";
    /// <summary>Folder of GGUF model files the server offers (until the model library lands).</summary>
    public string ModelsDirectory { get; set; } = DefaultModelsDirectory();
    /// <summary>Sequences per loaded model that generate at once.</summary>
    public int ParallelSlots { get; set; } = 4;
    /// <summary>Requests per model that may wait for a slot; more get 503.</summary>
    public int MaxQueue { get; set; } = 512;
    /// <summary>Models kept loaded at once.</summary>
    public int MaxLoadedModels { get; set; } = 3;
    /// <summary>Bytes that loaded models (file size plus KV caches) may take; 0 for 75% of physical memory.</summary>
    public long MemoryBudgetBytes { get; set; }
    /// <summary>How long an idle model stays loaded when requests do not say (Ollama's default: 5 minutes).</summary>
    public TimeSpan DefaultKeepAlive { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Models loaded at start and kept loaded; GET /api/ready answers 200 only once they are (Takase:Preload).</summary>
    public List<string> Preload { get; set; } = [];
    /// <summary>Context per request when neither the request nor the model caps it lower.</summary>
    public int DefaultContextLength { get; set; } = 4096;
    /// <summary>Prompt tokens evaluated per scheduling step.</summary>
    public int PrefillChunk { get; set; } = 32;
    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;
    /// <summary>Registry for pull and push when a name carries no host of its own to reach (default: https://{host} of
    /// the name, i.e. registry.ollama.ai); TAKASE_REGISTRY. Tests and private mirrors point it elsewhere.</summary>
    public string? RegistryUrl { get; set; }
    /// <summary>Also offer the models of Ollama's folder (OLLAMA_MODELS or ~/.ollama/models), read-only.</summary>
    public bool IncludeOllamaModels { get; set; } = true;
    /// <summary>Time a client has to send its request headers (slow-loris defence).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>After this grace period a request body must arrive at 240 bytes/s or the connection is closed.</summary>
    public TimeSpan MinBodyRateGracePeriod { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Where records (route decisions, feedback, tickets, API keys, audit log) are kept: Takase:Database.</summary>
    public Persistence.DatabaseOptions Database { get; set; } = new();
    /// <summary>Whether API keys are required and the bootstrap admin key: Takase:Auth.</summary>
    public Access.AuthOptions Auth { get; set; } = new();
    /// <summary>Browser origins allowed to call the server: Takase:Cors.</summary>
    public Access.CorsOptions Cors { get; set; } = new();

    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "Takase";

    /// <summary>
    /// Binds the <see cref="Section"/> section of <paramref name="configuration"/> (appsettings.json, TAKASE__…
    /// variables, --Takase:… arguments): the one binding the server uses, so deployment files can be checked with it.
    /// The Ollama-style variables are not applied here; see <see cref="ApplyEnvironment"/>.
    /// </summary>
    public static TakaseServerOptions FromConfiguration(IConfiguration configuration)
    {
        var options = new TakaseServerOptions();
        configuration.GetSection(Section).Bind(options);
        return options;
    }

    /// <summary>
    /// Takase's own folder for what is not a model: ~/.takase, or TAKASE_HOME. The database lives here by default, so
    /// serving a folder of models (even a read-only one) never writes into it.
    /// </summary>
    public static string HomeDirectory() =>
        Environment.GetEnvironmentVariable("TAKASE_HOME") is { Length: > 0 } dir ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".takase");

    /// <summary>~/.takase/models, or TAKASE_MODELS.</summary>
    public static string DefaultModelsDirectory() =>
        Environment.GetEnvironmentVariable("TAKASE_MODELS") is { Length: > 0 } dir ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".takase", "models");

    /// <summary>Applies the Ollama-style environment variables over the bound settings.</summary>
    public void ApplyEnvironment(Func<string, string?> env)
    {
        if ((env("TAKASE_HOST") ?? env("OLLAMA_HOST")) is { Length: > 0 } host) Host = host;
        if (env("TAKASE_MODELS") is { Length: > 0 } models) ModelsDirectory = models;
        if (env("TAKASE_REGISTRY") is { Length: > 0 } registry) RegistryUrl = registry;
        if (Int(env, "TAKASE_NUM_PARALLEL", "OLLAMA_NUM_PARALLEL") is { } p) ParallelSlots = p;
        if (Int(env, "TAKASE_MAX_QUEUE", "OLLAMA_MAX_QUEUE") is { } q) MaxQueue = q;
        if (Int(env, "TAKASE_MAX_LOADED_MODELS", "OLLAMA_MAX_LOADED_MODELS") is { } m) MaxLoadedModels = m;
        if (Int(env, "TAKASE_CONTEXT_LENGTH", "OLLAMA_CONTEXT_LENGTH") is { } c) DefaultContextLength = c;
        if ((env("TAKASE_KEEP_ALIVE") ?? env("OLLAMA_KEEP_ALIVE")) is { Length: > 0 } k)
            DefaultKeepAlive = KeepAlive.Parse(k) ?? throw new ArgumentException($"OLLAMA_KEEP_ALIVE '{k}' is not a duration such as 5m, 1h or -1");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (ParallelSlots is < 1 or > 256) throw new ArgumentException($"parallel slots must be 1..256, not {ParallelSlots}");
        if (MaxQueue < 0) throw new ArgumentException($"the queue size cannot be negative ({MaxQueue})");
        if (MaxLoadedModels < 1) throw new ArgumentException($"at least one model must be loadable, not {MaxLoadedModels}");
        if (DefaultContextLength < 1) throw new ArgumentException($"the context length must be positive, not {DefaultContextLength}");
        if (PrefillChunk < 1) throw new ArgumentException($"the prefill chunk must be positive, not {PrefillChunk}");
        Database.Validate();
        Auth.Validate();
        Cors.Validate();
    }

    private static int? Int(Func<string, string?> env, string name, string alias)
    {
        var raw = env(name) ?? env(alias);
        if (string.IsNullOrEmpty(raw)) return null;
        return int.TryParse(raw, out var v) ? v : throw new ArgumentException($"{name} must be an integer, not '{raw}'");
    }
}
