using System.Collections.Concurrent;
using System.Security.Cryptography;
using Takase.Library.Store;

namespace Takase.Server.Models;

/// <summary>A model the server can run.</summary>
/// <param name="Name">Full name with tag, e.g. "stories260K:latest".</param>
/// <param name="Path">The GGUF file.</param>
/// <param name="Size">File size in bytes.</param>
/// <param name="ModifiedAt">Last write time of the file.</param>
public sealed record ModelEntry(string Name, string Path, long Size, DateTimeOffset ModifiedAt)
{
    /// <summary>The library model behind this entry (manifest, template, system, parameters), or null for a loose GGUF file.</summary>
    public StoredModel? Stored { get; init; }

    /// <summary>The name without its tag.</summary>
    public string BaseName => Name[..Name.LastIndexOf(':')];
}

/// <summary>
/// The models on offer: the models of the library store rooted at the models folder (Ollama's layout, pulled or
/// created; plus Ollama's own folder read-only), and every loose *.gguf file in that folder, named after the file
/// with the tag "latest" ("stories260K.gguf" → "stories260K:latest"). Names match case-insensitively and the tag may
/// be left out, as in Ollama; `name@sha256:…` pins a library model to one manifest.
/// </summary>
public sealed class ModelCatalog(string directory, ModelStore? store = null)
{
    /// <summary>The library store, when the server has one.</summary>
    public ModelStore? Store { get; } = store;

    private readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified), string> _digests = new();

    /// <summary>The folder scanned.</summary>
    public string Directory { get; } = directory;

    /// <summary>Every model, sorted by name.</summary>
    public IReadOnlyList<ModelEntry> List()
    {
        var loose = LooseFiles();
        if (Store is null) return loose;
        var stored = Store.List()
            .Select(e => Store.TryResolve(e.Name.ToString()) is { } m ? FromStore(m, e.ModifiedAt) : null)
            .OfType<ModelEntry>()
            .Where(m => !loose.Any(l => string.Equals(l.Name, m.Name, StringComparison.OrdinalIgnoreCase)));
        return loose.Concat(stored).OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static ModelEntry FromStore(StoredModel m, DateTimeOffset modified) =>
        new(m.Name.DisplayShortest(), m.ModelBlobPath, m.Size, modified) { Stored = m };

    private List<ModelEntry> LooseFiles()
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
        if (full is null) return null;
        var loose = LooseFiles().FirstOrDefault(m => string.Equals(m.Name, full, StringComparison.OrdinalIgnoreCase));
        if (loose is not null || Store is null || !ModelName.TryParse(name, out _)) return loose;
        var stored = Store.TryResolve(name);
        return stored is null ? null : FromStore(stored, File.GetLastWriteTimeUtc(stored.ManifestPath));
    }

    /// <summary>The model called <paramref name="name"/>; a <see cref="ModelNotFoundException"/> that suggests close
    /// names when there is none.</summary>
    public ModelEntry Require(string name) => Find(name) ?? throw new ModelNotFoundException(name, Suggest(name));

    /// <summary>Names close to <paramref name="name"/> (a typo away, or containing it), best first, for "did you mean".</summary>
    public IReadOnlyList<string> Suggest(string name, int max = 3)
    {
        var wanted = (name.Contains(':') ? name[..name.LastIndexOf(':')] : name).ToLowerInvariant();
        return List()
            .Select(m => (m.Name, Base: m.BaseName.ToLowerInvariant()))
            .Select(m => (m.Name, Distance: m.Base.Contains(wanted, StringComparison.Ordinal) || wanted.Contains(m.Base, StringComparison.Ordinal) ? 0 : EditDistance(m.Base, wanted)))
            .Where(m => m.Distance <= Math.Max(2, wanted.Length / 3))
            .OrderBy(m => m.Distance).ThenBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .Take(max).Select(m => m.Name).ToList();
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>"name" → "name:latest"; null for names that cannot be model names.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 256) return null;
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains('\\') || name.Any(char.IsControl)) return null;
        var colon = name.LastIndexOf(':');
        return colon < 0 ? name + ":latest" : colon == name.Length - 1 ? null : name;
    }

    /// <summary>The manifest digest of a library model; for a loose file the sha256 of the file, computed once per file version.</summary>
    public string Digest(ModelEntry entry) => entry.Stored is { } m ? m.ManifestDigest.Replace("sha256:", "", StringComparison.Ordinal) :
        _digests.GetOrAdd((entry.Path, entry.Size, entry.ModifiedAt.UtcDateTime), key =>
        {
            using var stream = File.OpenRead(key.Path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
}
