using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Takase.Library.Store;

namespace Takase.Library.Registry;

/// <summary>
/// Pulls a GGUF straight from a Hugging Face model repository, as <c>ollama pull hf.co/org/repo:quant</c> does:
/// lists the repo's files, picks the <c>.gguf</c> whose name holds the quant tag (default <c>Q4_K_M</c>, else the
/// first), downloads it with the same resumable, verified machinery as registry pulls, and stores it as a model
/// named <c>hf.co/org/repo:tag</c> with one model layer.
/// </summary>
/// <remarks>
/// The sha256 to verify against is the LFS object id the file listing gives; files without one are stored under
/// the digest of the bytes received. <c>HF_TOKEN</c> (or <see cref="RegistryClientOptions.Token"/>) is sent as a
/// bearer token, for gated and private repos. Split GGUFs (<c>-00001-of-00003.gguf</c>) are refused for now.
/// </remarks>
public sealed partial class HuggingFaceClient
{
    /// <summary>The quant picked when the name has no tag (or <c>latest</c>).</summary>
    public const string DefaultQuant = "Q4_K_M";

    private static readonly Uri DefaultBase = new("https://huggingface.co/");
    private readonly ModelStore _store;
    private readonly RetryingHttp _http;
    private readonly BlobDownloader _downloader;
    private readonly Uri _base;

    /// <summary>A client storing into <paramref name="store"/>; the token defaults to <c>$HF_TOKEN</c>.</summary>
    public HuggingFaceClient(HttpClient http, ModelStore store, RegistryClientOptions? options = null)
    {
        options ??= new RegistryClientOptions();
        if (options.Token is null && Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } token)
            options = options with { Token = token };
        _store = store;
        _base = options.BaseAddress ?? DefaultBase;
        _http = new RetryingHttp(http, options);
        _downloader = new BlobDownloader(_http, store);
    }

    /// <summary>True for names whose host is <c>hf.co</c> or <c>huggingface.co</c>.</summary>
    public static bool IsHuggingFaceName(string name) =>
        ModelName.TryParse(name, out var parsed) && parsed.Host.ToLowerInvariant() is "hf.co" or "huggingface.co";

    /// <summary>Pulls <c>hf.co/org/repo[:quant]</c>; see the class remarks.</summary>
    /// <exception cref="RegistryException">The repo is missing or gated, has no matching GGUF, or the download failed.</exception>
    public async Task<StoredModel> PullAsync(string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = ModelName.Parse(name);
        if (model.Host.ToLowerInvariant() is not ("hf.co" or "huggingface.co"))
            throw new RegistryException($"'{name}' is not a Hugging Face name; write hf.co/<org>/<repo>[:quant].");
        using var writing = _store.BeginWrite();
        progress?.Report(new PullProgress("pulling manifest"));
        var repo = $"{model.Namespace}/{model.Model}";
        var files = await ListFilesAsync(repo, cancellationToken).ConfigureAwait(false);
        var quant = string.Equals(model.Tag, ModelName.DefaultTag, StringComparison.OrdinalIgnoreCase) ? null : model.Tag;
        var file = PickGguf(files, quant, repo);

        var digest = file.Lfs?.Oid is { } oid && BlobDigest.TryNormalize("sha256:" + oid, out var d) ? d : null;
        var size = file.Lfs?.Size ?? file.Size;
        var url = new Uri(_base, $"{repo}/resolve/main/{string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString))}");
        var key = digest is not null ? BlobDigest.FileName(digest) : "hf-" + BlobDigest.Short(BlobDigest.Of(System.Text.Encoding.UTF8.GetBytes(url.ToString())));
        var status = $"pulling {(digest is null ? key[3..] : BlobDigest.Short(digest))}";
        var stored = await _downloader.DownloadAsync(new BlobRequest(url, digest, size, key),
            done => progress?.Report(new PullProgress(status, digest, size, done)), cancellationToken).ConfigureAwait(false);

        progress?.Report(new PullProgress("verifying sha256 digest"));
        var config = ModelStore.DescribeGguf(_store.BlobPath(stored));
        progress?.Report(new PullProgress("writing manifest"));
        await _store.WriteModelAsync(model.WithoutDigest(), [new Layer(MediaTypes.Model, stored, size)], config, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress("success"));
        return _store.Resolve(model.WithoutDigest());
    }

    private async Task<IReadOnlyList<RepoFile>> ListFilesAsync(string repo, CancellationToken cancellationToken)
    {
        var url = new Uri(_base, $"api/models/{repo}/tree/main");
        using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), $"listing the files of {repo}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw await RetryingHttp.ErrorAsync(response, $"listing the files of Hugging Face repo {repo}", "The repo is gated or private: accept its terms on huggingface.co and set HF_TOKEN.", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new RegistryException($"Hugging Face repo '{repo}' does not exist ({url}); check the org and repo name.") { StatusCode = 404 };
        if (!response.IsSuccessStatusCode)
            throw await RetryingHttp.ErrorAsync(response, $"listing the files of Hugging Face repo {repo}", "Try again later.", cancellationToken).ConfigureAwait(false);
        try
        {
            var json = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<List<RepoFile>>(json, JsonOptions) ?? [];
        }
        catch (JsonException e)
        {
            throw new RegistryException($"the file list of Hugging Face repo {repo} ({url}) is not the expected JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// The GGUF to download: for a quant, the file whose name holds it as a whole word (<c>Q4_K</c> does not pick
    /// <c>Q4_K_M</c> when a <c>Q4_K</c> file exists), else any file containing it; without one, <c>Q4_K_M</c> or the first.
    /// Projector files (<c>mmproj</c>) are never the model.
    /// </summary>
    internal static RepoFile PickGguf(IReadOnlyList<RepoFile> files, string? quant, string repo)
    {
        var ggufs = files
            .Where(f => f.Type == "file" && f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
                && !Path.GetFileName(f.Path).Contains("mmproj", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        if (ggufs.Count == 0)
            throw new RegistryException($"Hugging Face repo {repo} has no .gguf files; Takase pulls GGUF repos only.");
        var available = string.Join(", ", ggufs.Select(f => f.Path));
        RepoFile? pick;
        if (quant is null)
        {
            pick = ggufs.FirstOrDefault(f => ContainsWord(f.Path, DefaultQuant)) ?? ggufs[0];
        }
        else
        {
            pick = ggufs.FirstOrDefault(f => ContainsWord(f.Path, quant))
                ?? ggufs.FirstOrDefault(f => Path.GetFileName(f.Path).Contains(quant, StringComparison.OrdinalIgnoreCase))
                ?? throw new RegistryException($"Hugging Face repo {repo} has no GGUF for quant '{quant}'; it has: {available}.");
        }
        if (SplitGguf().IsMatch(pick.Path))
            throw new RegistryException($"{pick.Path} in {repo} is one part of a split GGUF; Takase cannot pull split GGUFs yet. Merge it with llama-gguf-split --merge and import the result.");
        return pick;
    }

    private static bool ContainsWord(string path, string quant)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        for (var i = name.IndexOf(quant, StringComparison.OrdinalIgnoreCase); i >= 0; i = name.IndexOf(quant, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = i == 0 || !char.IsLetterOrDigit(name[i - 1]);
            var end = i + quant.Length;
            var after = end == name.Length || !(char.IsLetterOrDigit(name[end]) || name[end] == '_');
            if (before && after) return true;
        }
        return false;
    }

    [GeneratedRegex(@"-\d{5}-of-\d{5}\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitGguf();

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    /// <summary>One entry of <c>/api/models/{repo}/tree/main</c>.</summary>
    internal sealed record RepoFile(string Type, string Path, long Size, LfsInfo? Lfs);

    /// <summary>The LFS pointer of a large file: its sha256 (<c>oid</c>) and real size.</summary>
    internal sealed record LfsInfo(string Oid, long Size);
}
