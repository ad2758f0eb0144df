using System.Net;
using System.Net.Http.Headers;
using Takase.Library.Store;

namespace Takase.Library.Registry;

/// <summary>
/// Pulls models from and pushes models to an Ollama-compatible registry (the Docker registry v2 protocol with
/// Ollama's media types). A pull fetches the manifest, downloads every missing blob (resumable, verified) and
/// writes the manifest only after all blobs are stored, so an interrupted pull never leaves a model that looks
/// complete. Progress is reported with Ollama's statuses (<see cref="PullProgress"/>).
/// </summary>
/// <remarks>
/// Registries that answer 401 with a token challenge get the handshake <see cref="RegistryAuth"/> implements:
/// ollama.com's token requests are signed with the user's ed25519 key (<see cref="RegistryKeyFile"/>; created
/// on first use), Docker-style registries are asked anonymously or with <see cref="RegistryClientOptions.Username"/>.
/// A refusal after the handshake is a <see cref="RegistryAuthException"/> carrying the public key to register.
/// </remarks>
public sealed class OllamaRegistryClient
{
    private readonly ModelStore _store;
    private readonly RegistryClientOptions _options;
    private readonly RetryingHttp _http;
    private readonly RegistryAuth _auth;
    private readonly BlobDownloader _downloader;

    /// <summary>A client that stores into <paramref name="store"/>; the <paramref name="http"/> client should follow redirects (the default).</summary>
    public OllamaRegistryClient(HttpClient http, ModelStore store, RegistryClientOptions? options = null)
    {
        _store = store;
        _options = options ?? new RegistryClientOptions();
        _auth = new RegistryAuth(http, _options);
        _http = new RetryingHttp(http, _options, _auth);
        _downloader = new BlobDownloader(_http, store);
    }

    /// <summary>
    /// Pulls a model. A plain name fetches what its tag points at now and moves the local tag there (the previous
    /// manifest stays reachable as <c>name@&lt;old digest&gt;</c>); a pinned <c>name@sha256:…</c> fetches exactly that
    /// manifest, verifies its digest, and never moves an existing local tag.
    /// </summary>
    /// <exception cref="RegistryException">The registry refused or kept failing; the message says which request.</exception>
    /// <exception cref="BlobDigestMismatchException">A blob arrived corrupt twice.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished blobs and partial downloads are kept for the next pull.</exception>
    public async Task<StoredModel> PullAsync(string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = ModelName.Parse(name);
        using var writing = _store.BeginWrite();
        progress?.Report(new PullProgress("pulling manifest"));
        var reference = model.Digest ?? model.Tag;
        var manifestUrl = Url(model, $"manifests/{reference}");
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, manifestUrl);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.Manifest));
            return request;
        }, $"pulling the manifest of '{model.DisplayShortest()}'", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new RegistryException($"pull model manifest: '{model.DisplayShortest()}' does not exist on {manifestUrl.GetLeftPart(UriPartial.Authority)}; check the name and tag.") { StatusCode = 404 };
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw await PullDeniedAsync(model, manifestUrl, response, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await RetryingHttp.ErrorAsync(response, $"pulling the manifest of '{model.DisplayShortest()}' from {manifestUrl}", "Check the name and your access to it.", cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var digest = BlobDigest.Of(bytes);
        if (model.Digest is not null && digest != model.Digest)
            throw new RegistryException($"the registry's manifest for '{model}' has digest {digest}, not the pinned {model.Digest}; it was not stored.");
        var manifest = Manifest.Parse(bytes, manifestUrl.ToString());

        foreach (var layer in manifest.Layers.Append(manifest.Config))
        {
            var layerDigest = BlobDigest.Normalize(layer.Digest);
            var status = $"pulling {BlobDigest.Short(layerDigest)}";
            await _downloader.DownloadAsync(
                new BlobRequest(Url(model, $"blobs/{layerDigest}"), layerDigest, layer.Size, BlobDigest.FileName(layerDigest)),
                done => progress?.Report(new PullProgress(status, layerDigest, layer.Size, done)),
                cancellationToken).ConfigureAwait(false);
        }

        // Every blob was verified against its digest before it got its name (BlobDownloader).
        progress?.Report(new PullProgress("verifying sha256 digest"));
        progress?.Report(new PullProgress("writing manifest"));
        await _store.WriteManifestAsync(model, bytes, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress("success"));
        return _store.Resolve(model);
    }

    /// <summary>
    /// Pushes a stored model: each blob the registry lacks is uploaded (<c>HEAD</c>, then <c>POST …/blobs/uploads/</c>
    /// and <c>PUT &lt;location&gt;?digest=…</c>), then the manifest's exact bytes are put under the name's tag,
    /// so the registry's digest equals the local one.
    /// </summary>
    /// <exception cref="RegistryAuthException">The registry would not let this user push to the name's namespace; the message says what to do.</exception>
    public async Task PushAsync(string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        progress?.Report(new PullProgress("retrieving manifest"));
        var stored = _store.Resolve(name);
        try
        {
            await PushStoredAsync(stored, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryAuthException e)
        {
            throw PushDenied(stored.Name, e);
        }
    }

    private async Task PushStoredAsync(StoredModel stored, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var model = stored.Name;
        var manifestBytes = await File.ReadAllBytesAsync(stored.ManifestPath, cancellationToken).ConfigureAwait(false);
        foreach (var layer in stored.Manifest.Layers.Append(stored.Manifest.Config))
            await PushBlobAsync(model, layer, progress, cancellationToken).ConfigureAwait(false);

        progress?.Report(new PullProgress("pushing manifest"));
        var manifestUrl = Url(model, $"manifests/{model.Tag}");
        using var response = await _http.SendAsync(() =>
        {
            var content = new ByteArrayContent(manifestBytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.Manifest);
            return new HttpRequestMessage(HttpMethod.Put, manifestUrl) { Content = content };
        }, $"pushing the manifest of '{model.DisplayShortest()}'", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await PushErrorAsync(response, $"pushing the manifest of '{model.DisplayShortest()}' to {manifestUrl}", "Check that you may push to this namespace.", cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress("success"));
    }

    private async Task PushBlobAsync(ModelName model, Layer layer, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var digest = BlobDigest.Normalize(layer.Digest);
        var status = $"pushing {BlobDigest.Short(digest)}";
        var blobUrl = Url(model, $"blobs/{digest}");
        using (var head = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, blobUrl), $"checking blob {digest}", cancellationToken).ConfigureAwait(false))
        {
            if (head.IsSuccessStatusCode)
            {
                progress?.Report(new PullProgress(status, digest, layer.Size, layer.Size));
                return;
            }
        }

        var path = _store.FindBlob(digest) ?? throw new ModelStoreException($"blob {digest} of '{model.DisplayShortest()}' is missing locally; pull or create the model again before pushing.");
        var uploadsUrl = Url(model, "blobs/uploads/");
        Uri location;
        using (var start = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, uploadsUrl), $"starting the upload of {digest}", cancellationToken).ConfigureAwait(false))
        {
            if (!start.IsSuccessStatusCode)
                throw await PushErrorAsync(start, $"starting the upload of blob {digest} at {uploadsUrl}", "Check that you may push to this namespace.", cancellationToken).ConfigureAwait(false);
            location = start.Headers.Location is { } l
                ? (l.IsAbsoluteUri ? l : new Uri(uploadsUrl, l))
                : throw new RegistryException($"the registry accepted the upload of {digest} but sent no Location to upload to.");
        }

        var putUrl = new UriBuilder(location);
        putUrl.Query = (putUrl.Query.Length > 1 ? putUrl.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var put = await _http.SendAsync(() =>
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var counting = new ProgressStream(file, done => progress?.Report(new PullProgress(status, digest, layer.Size, done)));
            var content = new StreamContent(counting, 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = layer.Size;
            return new HttpRequestMessage(HttpMethod.Put, putUrl.Uri) { Content = content };
        }, $"uploading blob {digest}", cancellationToken).ConfigureAwait(false);
        if (!put.IsSuccessStatusCode)
            throw await PushErrorAsync(put, $"uploading blob {digest} to {putUrl.Uri}", "The registry refused the blob.", cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(status, digest, layer.Size, layer.Size));
    }

    /// <summary>A push request's error; 401 and 403 become <see cref="RegistryAuthException"/> (turned into the namespace advice by <see cref="PushAsync"/>).</summary>
    private static async Task<RegistryException> PushErrorAsync(HttpResponseMessage response, string what, string hint, CancellationToken cancellationToken)
    {
        var error = await RetryingHttp.ErrorAsync(response, what, hint, cancellationToken).ConfigureAwait(false);
        return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? new RegistryAuthException(error.Message) { StatusCode = error.StatusCode }
            : error;
    }

    /// <summary>Ollama's advice for a refused push, with the public key the user must register (also in the exception, for the CLI).</summary>
    private RegistryAuthException PushDenied(ModelName model, RegistryAuthException cause)
    {
        var key = cause.PublicKey ?? _auth.KnownPublicKey();
        var keyAdvice = key is null ? "" : RegisterKeyAdvice(model, key);
        return new RegistryAuthException(
            $"you are not authorized to push to this namespace ('{model.Namespace}' on {model.Host}), create the model under a namespace you own " +
            $"(takase cp {model.DisplayShortest()} <your namespace>/{model.Model}:{model.Tag}) and push that{keyAdvice} ({cause.Message})", cause)
        {
            StatusCode = cause.StatusCode,
            PublicKey = key,
        };
    }

    private async Task<RegistryAuthException> PullDeniedAsync(ModelName model, Uri manifestUrl, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var key = _auth.KnownPublicKey();
        var advice = key is null ? "Check the name and your access to it." : $"If the model is private, the registry must know your key{RegisterKeyAdvice(model, key)}.";
        var error = await RetryingHttp.ErrorAsync(response, $"pulling the manifest of '{model.DisplayShortest()}' from {manifestUrl}", advice, cancellationToken).ConfigureAwait(false);
        return new RegistryAuthException(error.Message) { StatusCode = error.StatusCode, PublicKey = key };
    }

    private string RegisterKeyAdvice(ModelName model, string key)
    {
        var host = (_options.BaseAddress ?? new Uri($"https://{model.Host}/")).Host;
        return RegistryAuth.IsOllamaHost(host)
            ? $"; your public key is: {key} — add it at https://ollama.com/settings/keys"
            : $"; your public key is: {key} — register it with the registry";
    }

    /// <summary><c>{base}/v2/{namespace}/{model}/{rest}</c>; the base is the configured server or <c>https://{host}</c>.</summary>
    private Uri Url(ModelName model, string rest)
    {
        var root = _options.BaseAddress ?? new Uri($"https://{model.Host}/");
        return new Uri(root, $"v2/{model.Namespace}/{model.Model}/{rest}");
    }

    /// <summary>A read-only stream that reports how many bytes have been read (for upload progress).</summary>
    private sealed class ProgressStream(Stream inner, Action<long> onRead) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            if (n > 0)
            {
                _read += n;
                onRead(_read);
            }
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
