namespace Takase.Library.Store;

public sealed partial class ModelStore
{
    /// <summary>How old an unfinished download or temp file must be before <see cref="Prune"/> treats it as abandoned.</summary>
    public static readonly TimeSpan DefaultStalePartialAge = TimeSpan.FromHours(24);

    /// <summary>
    /// Removes, from <see cref="Root"/> only, blobs that no manifest (current or kept for a pinned name) refers to,
    /// and partial downloads or temp files older than <paramref name="stalePartialAge"/> (default a day, so a pull
    /// running in another process is not cut off). Refuses to run while any manifest is unreadable, because the
    /// blobs it refers to cannot be known. While a pull or create holds a write lease (<see cref="BeginWrite"/>), in any
    /// process, unreferenced blobs are left for a later prune: they may be that operation's, its manifest not yet written.
    /// </summary>
    public PruneResult Prune(TimeSpan? stalePartialAge = null)
    {
        using var pruning = BeginPrune(out var writersActive);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in EnumerateFilesSafe(ManifestsDirectory).Concat(EnumerateFilesSafe(HistoryDirectory)))
        {
            if (Path.GetFileName(file).StartsWith('.')) continue; // an atomic write in progress or abandoned
            var manifest = Manifest.Parse(ReadManifestBytes(file), file);
            foreach (var layer in manifest.AllBlobs) referenced.Add(BlobDigest.Normalize(layer.Digest));
        }

        var removedBlobs = new List<string>();
        var removedPartials = new List<string>();
        long freed = 0;
        var deferred = 0;
        var cutoff = DateTime.UtcNow - (stalePartialAge ?? DefaultStalePartialAge);
        foreach (var file in EnumerateFilesSafe(BlobsDirectory))
        {
            var info = new FileInfo(file);
            var digest = BlobDigest.FromFileName(info.Name);
            if (digest is not null)
            {
                if (referenced.Contains(digest)) continue;
                if (writersActive) { deferred++; continue; }
                removedBlobs.Add(digest);
            }
            else
            {
                if (info.LastWriteTimeUtc > cutoff) continue;
                removedPartials.Add(info.Name);
            }
            freed += info.Length;
            info.Delete();
        }
        foreach (var file in EnumerateFilesSafe(ManifestsDirectory).Concat(EnumerateFilesSafe(HistoryDirectory)))
        {
            var info = new FileInfo(file);
            if (info.Name.StartsWith('.') && info.LastWriteTimeUtc <= cutoff)
            {
                removedPartials.Add(info.Name);
                freed += info.Length;
                info.Delete();
            }
        }
        return new PruneResult(removedBlobs, removedPartials, freed) { DeferredBlobs = deferred };
    }

    private static IEnumerable<string> EnumerateFilesSafe(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToList() : [];
}
