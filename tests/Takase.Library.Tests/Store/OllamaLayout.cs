using System.Text;
using Takase.Library.Store;

namespace Takase.Library.Tests.Store;

/// <summary>
/// Writes a model folder by hand exactly as Ollama lays it out (blobs/sha256-&lt;hex&gt;, manifests/host/ns/model/tag,
/// compact JSON manifest with a trailing newline from Go's json.Encoder), without using Takase's writer.
/// </summary>
internal static class OllamaLayout
{
    public static string WriteBlob(string root, byte[] bytes)
    {
        var hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        Directory.CreateDirectory(Path.Combine(root, "blobs"));
        File.WriteAllBytes(Path.Combine(root, "blobs", "sha256-" + hex), bytes);
        return "sha256:" + hex;
    }

    /// <summary>Writes the manifest text Ollama's WriteManifest produces and returns its bytes.</summary>
    public static byte[] WriteManifest(string root, string host, string ns, string model, string tag, (string Digest, int Size) config, params (string MediaType, string Digest, int Size)[] layers)
    {
        var sb = new StringBuilder();
        sb.Append("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",");
        sb.Append($"\"config\":{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"{config.Digest}\",\"size\":{config.Size}}},");
        sb.Append("\"layers\":[");
        sb.Append(string.Join(",", layers.Select(l => $"{{\"mediaType\":\"{l.MediaType}\",\"digest\":\"{l.Digest}\",\"size\":{l.Size}}}")));
        sb.Append("]}\n");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var dir = Path.Combine(root, "manifests", host, ns, model);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, tag), bytes);
        return bytes;
    }

    /// <summary>Every file under a folder with its length, write time and content hash, to prove nothing changed.</summary>
    public static Dictionary<string, (long, DateTime, string)> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f),
            f => (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f), BlobDigest.Of(File.ReadAllBytes(f))));
}
