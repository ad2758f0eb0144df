using System.Diagnostics;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Utilities;
using Takase.Library.Registry;
using Takase.Library.Store;

namespace Takase.Library.Tests.Registry;

/// <summary>
/// The registry token handshake against <see cref="FakeRegistry"/> with auth on: its token service verifies
/// Ollama's ed25519 signature itself (BouncyCastle), so these tests fail if the signed text, the header or the
/// key encoding drift from what ollama.com checks.
/// </summary>
public class OllamaRegistryAuthTests
{
    private const string Template = "{{ .Prompt }}";

    [Fact]
    public async Task PullAndPushWorkWithTokensSignedByAKeyGeneratedOnFirstUse()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        kit.Registry.PushableNamespaces = ["me"];
        var digest = PublishTinyModel(kit, "someone", "tiny");
        var keyPath = kit.TempPath("keys/id_ed25519");
        var options = kit.Options() with { KeyPath = keyPath };
        var store = kit.NewStore("a");

        var pulled = await new OllamaRegistryClient(kit.Http, store, options).PullAsync("someone/tiny");
        await store.CopyAsync("someone/tiny", "me/tiny");
        await new OllamaRegistryClient(kit.Http, store, options).PushAsync("me/tiny");
        var again = await new OllamaRegistryClient(kit.Http, kit.NewStore("b"), options).PullAsync("me/tiny");

        Assert.Equal(digest, pulled.ManifestDigest);
        Assert.Equal(digest, again.ManifestDigest);
        Assert.Equal(Template, again.Template);
        var key = Ed25519Key.Load(keyPath);
        var granted = kit.Registry.TokenRequests.Where(r => r.Status == 200).ToList();
        Assert.NotEmpty(granted);
        Assert.All(granted, r => Assert.Equal(key.PublicKey, r.PublicKey)); // every token came from a verified signature
        Assert.Contains(granted, r => r.Scopes.Contains("repository:me/tiny:push,pull"));
        Assert.Equal(pulled.ManifestDigest, BlobDigest.Of(kit.Registry.Manifests["me/tiny/latest"]));
    }

    [Fact]
    public async Task AGeneratedKeyIsAPrivateOpenSshFileWithAnAuthorizedKeysLine()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        PublishTinyModel(kit, "library", "tiny");
        var keyPath = kit.TempPath("fresh/id_ed25519");

        await new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options() with { KeyPath = keyPath }).PullAsync("tiny");

        var text = await File.ReadAllTextAsync(keyPath);
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        Assert.EndsWith("-----END OPENSSH PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        var pub = (await File.ReadAllTextAsync(keyPath + ".pub")).Trim().Split(' ');
        Assert.Equal("ssh-ed25519", pub[0]);
        var parsed = OpenSshPublicKeyUtilities.ParsePublicKey(Convert.FromBase64String(pub[1]));
        Assert.IsType<Ed25519PublicKeyParameters>(parsed);
        Assert.Equal(Ed25519Key.Load(keyPath).PublicKey, $"{pub[0]} {pub[1]}");
        Assert.Equal($"{pub[0]} {pub[1]}", kit.Registry.TokenRequests.Last().PublicKey);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(keyPath)!, ".*")); // no temp files left behind

        if (SshKeygen() is { } sshKeygen) // OpenSSH itself reads the key and derives the same public key
        {
            var (code, output) = await RunAsync(sshKeygen, "-y", "-f", keyPath);
            Assert.Equal(0, code);
            Assert.Equal($"{pub[0]} {pub[1]}", string.Join(' ', output.Trim().Split(' ').Take(2)));
        }
    }

    [Fact]
    public async Task AKeyWrittenBySshKeygenSignsTheTokenRequests()
    {
        var sshKeygen = SshKeygen();
        if (sshKeygen is null) Assert.Skip("ssh-keygen is not installed on this machine; install openssh-client to test reading its keys.");
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        var digest = PublishTinyModel(kit, "library", "tiny");
        var keyPath = kit.TempPath("ssh/id_ed25519");
        Directory.CreateDirectory(Path.GetDirectoryName(keyPath)!);
        var (code, output) = await RunAsync(sshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "someone@example", "-f", keyPath);
        Assert.True(code == 0, output);
        var pub = string.Join(' ', (await File.ReadAllTextAsync(keyPath + ".pub")).Trim().Split(' ').Take(2));

        var pulled = await new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options() with { KeyPath = keyPath }).PullAsync("tiny");

        Assert.Equal(digest, pulled.ManifestDigest);
        Assert.Equal(pub, Ed25519Key.Load(keyPath).PublicKey);
        Assert.Equal(pub, kit.Registry.TokenRequests.Single(r => r.Status == 200).PublicKey);
    }

    [Fact]
    public async Task APassphraseProtectedKeyIsRefusedWithAdviceToRemoveThePassphrase()
    {
        var sshKeygen = SshKeygen();
        if (sshKeygen is null) Assert.Skip("ssh-keygen is not installed on this machine; install openssh-client to test reading its keys.");
        using var dir = new Takase.Tests.Support.TempDir();
        var keyPath = dir.File("id_ed25519");
        var (code, output) = await RunAsync(sshKeygen, "-q", "-t", "ed25519", "-N", "a passphrase", "-f", keyPath);
        Assert.True(code == 0, output);

        var e = Assert.Throws<RegistryException>(() => Ed25519Key.Load(keyPath));

        Assert.Contains("passphrase", e.Message, StringComparison.Ordinal);
        Assert.Contains($"ssh-keygen -p -N \"\" -f {keyPath}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredTokenIsRefreshedOnceAndThePullCompletes()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        kit.Registry.TokenMaxUses = 2; // manifest + first blob; the second blob meets an expired token
        var digest = PublishTinyModel(kit, "library", "tiny");

        var pulled = await new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options() with { KeyPath = kit.TempPath("id_ed25519") }).PullAsync("tiny");

        Assert.Equal(digest, pulled.ManifestDigest);
        Assert.Equal(2, kit.Registry.TokenRequests.Count(r => r.Status == 200)); // the first token and one refresh
        Assert.Equal(2, kit.Registry.Log.Count(r => r.Status == 401)); // the first request, then the expired token
    }

    [Fact]
    public async Task ASignatureTheRegistryCannotVerifyFailsWithThePublicKeyInTheError()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        PublishTinyModel(kit, "library", "tiny");
        using var tampering = new HttpClient(new SignatureTampering { InnerHandler = new HttpClientHandler() });
        var keyPath = kit.TempPath("id_ed25519");

        var e = await Assert.ThrowsAsync<RegistryAuthException>(() =>
            new OllamaRegistryClient(tampering, kit.NewStore(), kit.Options() with { KeyPath = keyPath }).PullAsync("tiny"));

        var key = Ed25519Key.Load(keyPath);
        Assert.Equal(key.PublicKey, e.PublicKey);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("signature does not verify", e.Message, StringComparison.Ordinal); // the registry's reason
        Assert.Contains(key.PublicKey, e.Message, StringComparison.Ordinal);
        Assert.Contains(keyPath, e.Message, StringComparison.Ordinal);
        var refused = kit.Registry.TokenRequests.Last();
        Assert.Equal(401, refused.Status);
        Assert.Equal(key.PublicKey, refused.PublicKey); // the registry saw the right key; only the signature was wrong
    }

    [Fact]
    public async Task PushingToANamespaceYouDoNotOwnExplainsWhatToDoAndCarriesThePublicKey()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.SignedToken;
        kit.Registry.PushableNamespaces = ["me"];
        PublishTinyModel(kit, "someone", "tiny");
        var options = kit.Options() with { KeyPath = kit.TempPath("id_ed25519") };
        var store = kit.NewStore();
        await new OllamaRegistryClient(kit.Http, store, options).PullAsync("someone/tiny");
        await store.CopyAsync("someone/tiny", "someone/tiny:copy");

        var e = await Assert.ThrowsAsync<RegistryAuthException>(() => new OllamaRegistryClient(kit.Http, store, options).PushAsync("someone/tiny:copy"));

        var key = Ed25519Key.Load(options.KeyPath!).PublicKey;
        Assert.Equal(key, e.PublicKey);
        Assert.StartsWith("you are not authorized to push to this namespace", e.Message, StringComparison.Ordinal);
        Assert.Contains("create the model under a namespace you own", e.Message, StringComparison.Ordinal);
        Assert.Contains($"your public key is: {key}", e.Message, StringComparison.Ordinal);
        Assert.False(kit.Registry.Manifests.ContainsKey("someone/tiny/copy"));
    }

    [Fact]
    public async Task ADockerStyleRegistryGivesAnonymousTokensAndNoKeyIsCreated()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.AnonymousToken;
        var digest = PublishTinyModel(kit, "library", "tiny");
        var keyPath = kit.TempPath("never/id_ed25519");

        var pulled = await new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options() with { KeyPath = keyPath }).PullAsync("tiny");

        Assert.Equal(digest, pulled.ManifestDigest);
        var request = Assert.Single(kit.Registry.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(["repository:library/tiny:pull"], request.Scopes);
        Assert.False(File.Exists(keyPath));
        Assert.All(kit.Registry.AuthorizationHeaders.Where(h => h is not null), h => Assert.StartsWith("Bearer token-", h, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BasicCredentialsFromTheOptionsGetTheTokenAndWrongOnesAreNamedInTheError()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.Auth = FakeAuthMode.BasicToken;
        var digest = PublishTinyModel(kit, "library", "tiny");

        var pulled = await new OllamaRegistryClient(kit.Http, kit.NewStore("a"), kit.Options() with { Username = "user", Password = "secret" }).PullAsync("tiny");
        var e = await Assert.ThrowsAsync<RegistryAuthException>(() =>
            new OllamaRegistryClient(kit.Http, kit.NewStore("b"), kit.Options() with { Username = "user", Password = "wrong" }).PullAsync("tiny"));

        Assert.Equal(digest, pulled.ManifestDigest);
        Assert.Contains("user name 'user'", e.Message, StringComparison.Ordinal);
        Assert.Null(e.PublicKey);
    }

    [Fact]
    public void TheKeyIsTakasesOwnElseOllamasElseANewOneUnderDotTakase()
    {
        using var home = new Takase.Tests.Support.TempDir();
        var takase = Path.Combine(home.Path, ".takase", "id_ed25519");
        var ollama = Path.Combine(home.Path, ".ollama", "id_ed25519");
        string? NoEnvironment(string _) => null;

        Assert.Equal(takase, RegistryKeyFile.Locate(null, home.Path, NoEnvironment));
        Ed25519Key.Generate().SaveNew(ollama);
        Assert.Equal(ollama, RegistryKeyFile.Locate(null, home.Path, NoEnvironment));
        Ed25519Key.Generate().SaveNew(takase);
        Assert.Equal(takase, RegistryKeyFile.Locate(null, home.Path, NoEnvironment));
        var fromEnvironment = Path.Combine(home.Path, "elsewhere", "key");
        Assert.Equal(fromEnvironment, RegistryKeyFile.Locate(null, home.Path, v => v == RegistryKeyFile.EnvironmentVariable ? fromEnvironment : null));
        Assert.Equal(Path.GetFullPath("configured"), RegistryKeyFile.Locate("configured", home.Path, v => fromEnvironment));
    }

    [Fact]
    public void SavingNeverReplacesAKeyThatAlreadyExists()
    {
        using var dir = new Takase.Tests.Support.TempDir();
        var path = dir.File("id_ed25519");
        var first = Ed25519Key.Generate().SaveNew(path);

        var second = Ed25519Key.Generate().SaveNew(path);

        Assert.Equal(first.PublicKey, second.PublicKey);
        Assert.Equal(first.PublicKey, Ed25519Key.Load(path).PublicKey);
    }

    [Fact]
    public void TheTokenUrlHasGoSortedEscapedParametersAndTheSignedTextIsOllamas()
    {
        var challenge = RegistryChallenge.From(["Bearer realm=\"https://ollama.com:443/token?x=1\",service=\"ollama.com\",scope=\"repository:library/llama3:pull,push\""]);

        Assert.NotNull(challenge);
        var url = RegistryAuth.TokenUrl(challenge, 1700000000, "bm9uY2U");

        Assert.Equal("https://ollama.com/token?nonce=bm9uY2U&scope=repository%3Alibrary%2Fllama3%3Apull%2Cpush&service=ollama.com&ts=1700000000&x=1", url.AbsoluteUri);
        // "e3b0c442…" is the hex sha256 of nothing; Ollama signs its base64.
        var hexOfEmpty = Convert.ToBase64String(Encoding.ASCII.GetBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Assert.Equal($"GET,{url.AbsoluteUri},{hexOfEmpty}", Encoding.UTF8.GetString(RegistryAuth.SignedText(url)));
    }

    [Theory]
    [InlineData("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:a/b:pull\"", "Bearer", "https://auth.docker.io/token", "registry.docker.io", "repository:a/b:pull")]
    [InlineData("bearer realm=https://r.example/t, scope=\"repository:x/y:pull,push\"", "Bearer", "https://r.example/t", "", "repository:x/y:pull,push")]
    [InlineData("Basic realm=\"Registry Realm\"", "Basic", "Registry Realm", "", "")]
    [InlineData("Bearer realm=\"Authentication required\"", null, null, null, null)] // Hugging Face's: nothing to fetch a token from
    public void ChallengesAreParsedWithQuotedCommas(string header, string? scheme, string? realm, string? service, string? scope)
    {
        var challenge = RegistryChallenge.From([header]);

        Assert.Equal(scheme, challenge?.Scheme);
        Assert.Equal(realm, challenge?.Realm);
        Assert.Equal(service, challenge?.Service);
        Assert.Equal(scope, challenge?.Scope);
    }

    [Theory]
    [InlineData("ollama.com", true)]
    [InlineData("registry.ollama.ai", true)]
    [InlineData("REGISTRY.OLLAMA.AI", true)]
    [InlineData("notollama.com", false)]
    [InlineData("ghcr.io", false)]
    public void OllamasHostsAreSignedForFromTheStart(string host, bool ollama) => Assert.Equal(ollama, RegistryAuth.IsOllamaHost(host));

    /// <summary>Publishes ns/model:latest (a small random model blob and a template); returns its manifest digest.</summary>
    private static string PublishTinyModel(RegistryTestKit kit, string ns, string model) =>
        kit.Registry.AddModel(ns, model, "latest",
            kit.Registry.AddBlob(MediaTypes.Model, RegistryTestKit.RandomBytes(50_000, seed: 7)),
            kit.Registry.AddBlob(MediaTypes.Template, Encoding.UTF8.GetBytes(Template)));

    private static string? SshKeygen() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "ssh-keygen.exe" : "ssh-keygen"))
            .FirstOrDefault(File.Exists);

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Flips one bit of the signature in signed token requests, as a wrong key or a changed URL would.</summary>
    private sealed class SignatureTampering : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.TryGetValues("Authorization", out var values) && values.Single() is var header
                && !header.StartsWith("Bearer ", StringComparison.Ordinal) && header.IndexOf(':') is > 0 and var colon)
            {
                var signature = Convert.FromBase64String(header[(colon + 1)..]);
                signature[0] ^= 1;
                request.Headers.Remove("Authorization");
                request.Headers.TryAddWithoutValidation("Authorization", header[..(colon + 1)] + Convert.ToBase64String(signature));
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
