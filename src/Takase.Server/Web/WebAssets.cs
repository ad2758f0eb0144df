using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Takase.Server.Web;

/// <summary>One page file: its bytes, content type and strong ETag (a hash of the bytes, so a new build revalidates).</summary>
/// <param name="Path">Its path under Web/Assets ("console/index.html").</param>
/// <param name="ContentType">The Content-Type it is served with.</param>
/// <param name="Content">The bytes.</param>
/// <param name="ETag">A quoted strong entity tag.</param>
public sealed record WebAsset(string Path, string ContentType, byte[] Content, string ETag);

/// <summary>
/// The web pages that ship inside the server assembly (embedded from src/Takase.Server/Web/Assets as resources named
/// "Takase.Web/&lt;path&gt;"), read once. Lookup is by exact path in a fixed table, so a request can never reach a file
/// outside it.
/// </summary>
public sealed class WebAssets
{
    private const string ResourcePrefix = "Takase.Web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, WebAsset> _assets;

    private WebAssets(FrozenDictionary<string, WebAsset> assets) => _assets = assets;

    /// <summary>The assets embedded in the server assembly.</summary>
    public static WebAssets Embedded { get; } = Load(typeof(WebAssets).Assembly);

    /// <summary>Every asset path, for diagnostics and tests.</summary>
    public IEnumerable<string> Paths => _assets.Keys;

    /// <summary>The asset at <paramref name="path"/> ("console/app.js"), or null.</summary>
    public WebAsset? Find(string path) => _assets.GetValueOrDefault(path);

    /// <summary>Reads every "Takase.Web/…" resource of <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">a resource has an extension without a known content type (a build mistake, caught at start-up).</exception>
    public static WebAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            // RecursiveDir uses the build machine's separator; URLs use '/'.
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            var extension = System.IO.Path.GetExtension(path);
            if (!ContentTypes.TryGetValue(extension, out var contentType))
                throw new InvalidOperationException($"web asset '{path}' has the extension '{extension}', which has no content type in {nameof(WebAssets)}; add it there");
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            assets[path] = new WebAsset(path, contentType, bytes, etag);
        }
        return new WebAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
