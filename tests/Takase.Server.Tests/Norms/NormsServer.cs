using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Hosting;
using Takase.Server.Tests.Routing;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Norms;

/// <summary>
/// A secured Takase server with two norms profiles, written as an operator would in configuration keys:
/// "strict" (a prepended overlay; refuse "secret", route "lawsuit" to remote-legal, escalate "complaint", rewrite
/// "stupid", refuse what the classifier labels unsafe; rewrite "provider" in answers) and "lenient" (an appended
/// overlay, no rules). The router profiles "assist" and "assist-open" have the same candidate (a remote target that
/// records what it receives) and follow strict and lenient; the API keys named "alice" and "bob" follow strict and
/// lenient for any model. The operator desk's SLA is short, so an escalated request is answered by the next target.
/// </summary>
public sealed class NormsServer : IAsyncLifetime
{
    /// <summary>The admin key.</summary>
    public const string AdminKey = "norms-admin-key-0123456789abcdef";
    /// <summary>Strict's refusal of secrets.</summary>
    public const string SecretRefusal = "Strict norms: I cannot discuss secrets.";
    /// <summary>Strict's refusal of what the classifier labels unsafe.</summary>
    public const string UnsafeRefusal = "Strict norms: that is unsafe.";
    /// <summary>Strict's overlay.</summary>
    public const string StrictOverlay = "Follow the strict norms.";
    /// <summary>Lenient's overlay.</summary>
    public const string LenientOverlay = "Lenient norms apply.";

    private readonly TempDir _dir = new();
    private WebApplication? _app;

    /// <summary>The provider behind the remote targets ("norms-ok-…" slots answer <see cref="FakeProvider.Answer"/>).</summary>
    public FakeProvider Provider { get; private set; } = null!;
    /// <summary>The classifier target.</summary>
    public LabelServer Labels { get; private set; } = null!;
    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app!.Services;
    /// <summary>A client (send keys per request).</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The secrets of the keys "alice" (strict) and "bob" (lenient), and "carol" (assigned through the admin API).</summary>
    public Dictionary<string, string> Keys { get; } = [];

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (SharedData.RootOrNull is not null)
            File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
        Provider = await FakeProvider.StartAsync();
        Labels = await LabelServer.StartAsync();
        const string r = "--Takase:Router:", n = "--Takase:Norms:";
        string[] args =
        [
            $"{r}Targets:local:Kind=Local", $"{r}Targets:local:Model=stories260K", $"{r}Targets:local:ContextLength=512",
            $"{r}Targets:remote-ok:Kind=Remote", $"{r}Targets:remote-ok:Endpoint={Provider.Endpoint("ok-norms")}", $"{r}Targets:remote-ok:Model=fake-model",
            $"{r}Targets:remote-legal:Kind=Remote", $"{r}Targets:remote-legal:Endpoint={Provider.Endpoint("ok-legal")}", $"{r}Targets:remote-legal:Model=legal-model",
            $"{r}Targets:guard:Kind=Remote", $"{r}Targets:guard:Endpoint={Labels.Endpoint}", $"{r}Targets:guard:Model=labeller",
            $"{r}Targets:desk:Kind=Human", $"{r}Targets:desk:Timeout=00:00:00.3",
            $"{r}Profiles:assist:Candidates:0=remote-ok", $"{r}Profiles:assist:Norms=strict",
            $"{r}Profiles:assist-open:Candidates:0=remote-ok", $"{r}Profiles:assist-open:Norms=lenient",
            $"{r}Profiles:plain:Candidates:0=remote-ok",
            $"{r}Profiles:assist-private:Candidates:0=remote-ok", $"{r}Profiles:assist-private:Norms=strict",
            $"{r}Profiles:assist-private:Privacy:Entities:EMAIL=Redact",
            $"{n}Profiles:strict:Overlays:0:Position=Prepend", $"{n}Profiles:strict:Overlays:0:Text={StrictOverlay}",
            $"{n}Profiles:strict:Input:0:Name=no-secrets", $"{n}Profiles:strict:Input:0:Keywords:0=secret", $"{n}Profiles:strict:Input:0:Keywords:1=password",
            $"{n}Profiles:strict:Input:0:Action=Refuse", $"{n}Profiles:strict:Input:0:Message={SecretRefusal}",
            $"{n}Profiles:strict:Input:1:Name=legal", $"{n}Profiles:strict:Input:1:Regex=\\blawsuits?\\b",
            $"{n}Profiles:strict:Input:1:Action=Route", $"{n}Profiles:strict:Input:1:Target=remote-legal",
            $"{n}Profiles:strict:Input:2:Name=complaints", $"{n}Profiles:strict:Input:2:Keywords:0=complaint", $"{n}Profiles:strict:Input:2:Action=Escalate",
            $"{n}Profiles:strict:Input:3:Name=soften", $"{n}Profiles:strict:Input:3:Keywords:0=stupid",
            $"{n}Profiles:strict:Input:3:Action=Rewrite", $"{n}Profiles:strict:Input:3:Replacement=unclear",
            $"{n}Profiles:strict:Input:4:Name=guard", $"{n}Profiles:strict:Input:4:Classifier:Target=guard", $"{n}Profiles:strict:Input:4:Classifier:Labels:0=unsafe",
            $"{n}Profiles:strict:Input:4:Action=Refuse", $"{n}Profiles:strict:Input:4:Message={UnsafeRefusal}",
            $"{n}Profiles:strict:Output:0:Name=no-vendor-names", $"{n}Profiles:strict:Output:0:Keywords:0=provider",
            $"{n}Profiles:strict:Output:0:Action=Rewrite", $"{n}Profiles:strict:Output:0:Replacement=[vendor]",
            $"{n}Profiles:lenient:Overlays:0:Position=Append", $"{n}Profiles:lenient:Overlays:0:Text={LenientOverlay}",
            $"{n}Keys:alice=strict", $"{n}Keys:bob=lenient",
            $"{n}EscalationWait=00:00:00.3",
        ];
        _app = TakaseServer.Build(args, o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.Path;
            o.Database.Path = _dir.File("takase.db");
            o.Auth.Required = "true";
            o.Auth.AdminKey = AdminKey;
        });
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(2) };
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            using var created = await SendAsync(HttpMethod.Post, "api/admin/keys", AdminKey, new { name, role = "client" });
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.IsSuccessStatusCode, text);
            Keys[name] = JsonDocument.Parse(text).RootElement.GetProperty("key").GetString()!;
        }
    }

    /// <summary>Sends a request with a bearer key and a JSON body.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return Http.SendAsync(request);
    }

    /// <summary>Skips the calling test when the shared models are absent.</summary>
    public static void RequireModels() => SharedData.Path("models/stories260K.gguf");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
        if (Labels is not null) await Labels.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Test classes in this collection share one server.</summary>
[CollectionDefinition("norms")]
public sealed class NormsCollection : ICollectionFixture<NormsServer>;
