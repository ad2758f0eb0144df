using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Takase.Server.Models;

/// <summary>A model the server can run.</summary>
/// <param name="Name">Full name with tag, e.g. "stories260K:latest".</param>
/// <param name="Path">The GGUF file.</param>
/// <param name="Size">File size in bytes.</param>
/// <param name="ModifiedAt">Last write time of the file.</param>
public sealed record ModelEntry(string Name, string Path, long Size, DateTimeOffset ModifiedAt)
{
    /// <summary>The name without its tag.</summary>
    public string BaseName => Name[..Name.LastIndexOf(':')];
}

/// <summary>
/// The models on offer: every *.gguf file in the models folder, named after the file with the tag "latest"
/// ("stories260K.gguf" → "stories260K:latest"). Names match case-insensitively and the tag may be left out, as in
/// Ollama. The model library issue replaces this folder scan with the content-addressed store.
/// </summary>
public sealed class ModelCatalog(string directory)
{
    private readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified), string> _digests = new();

    /// <summary>The folder scanned.</summary>
    public string Directory { get; } = directory;

    /// <summary>Every model, sorted by name.</summary>
    public IReadOnlyList<ModelEntry> List()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        return new DirectoryInfo(Directory).EnumerateFiles("*.gguf")
            .Select(f => (Link: f, File: f.LinkTarget is null ? f : f.ResolveLinkTarget(returnFinalTarget: true) as FileInfo))
            .Where(f => f.File is { Exists: true })
            .Select(f => new ModelEntry(System.IO.Path.GetFileNameWithoutExtension(f.Link.Name) + ":latest", f.File!.FullName, f.File.Length, f.File.LastWriteTimeUtc))
            .OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>The model called <paramref name="name"/> ("name" or "name:tag"), or null.</summary>
    public ModelEntry? Find(string name)
    {
        var full = Normalize(name);
        return full is null ? null : List().FirstOrDefault(m => string.Equals(m.Name, full, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>"name" → "name:latest"; null for names that cannot be model names.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 256) return null;
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains('\\') || name.Any(char.IsControl)) return null;
        var colon = name.LastIndexOf(':');
        return colon < 0 ? name + ":latest" : colon == name.Length - 1 ? null : name;
    }

    /// <summary>sha256 of the file ("sha256:…"), computed once per file version.</summary>
    public string Digest(ModelEntry entry) =>
        _digests.GetOrAdd((entry.Path, entry.Size, entry.ModifiedAt.UtcDateTime), key =>
        {
            using var stream = File.OpenRead(key.Path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
}
