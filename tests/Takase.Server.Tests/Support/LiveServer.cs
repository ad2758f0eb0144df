using Microsoft.AspNetCore.Builder;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Support;

/// <summary>
/// A real Takase server on 127.0.0.1 (a free port), serving a folder with stories260K (F32 and Q8_0) and a tiny
/// random qwen2 model with the real Qwen2.5 vocabulary and chat template ("tiny-chat"). Shared by every test class
/// in the "server" collection. Tests that need a model call <see cref="RequireModels"/>, which skips them where
/// ../shared is absent.
/// </summary>
public sealed class LiveServer : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private WebApplication? _app;
    private Takase.Library.Tests.Registry.FakeRegistry? _registry;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>A client for the server.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The server's services (for tests that call the inference layer directly).</summary>
    public IServiceProvider Services => _app!.Services;
    /// <summary>The served models folder.</summary>
    public string ModelsDirectory => _dir.Path;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (SharedData.RootOrNull is not null)
        {
            File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
            File.CreateSymbolicLink(_dir.File("stories260K-Q8_0.gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
            File.CreateSymbolicLink(_dir.File("tiny-chat.gguf"), TinyChatModel.Path);
        }
        // Pulls go to an (empty) registry on loopback, never to the internet.
        _registry = await Takase.Library.Tests.Registry.FakeRegistry.StartAsync();
        _app = TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.RegistryUrl = _registry.BaseAddress.ToString();
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.Path;
            o.ParallelSlots = 4;
            o.MaxQueue = 64;
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>Skips the calling test when the shared models are absent.</summary>
    public void RequireModels() => SharedData.Path("models/stories260K.gguf");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_registry is not null) await _registry.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Test classes in this collection share one live server.</summary>
[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<LiveServer>;
