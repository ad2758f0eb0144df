namespace Takase.Library.Store;

/// <summary>
/// Whole-file writes that never leave a half-written file under the final name: the bytes go to a temp file
/// in the same folder (so the rename cannot cross file systems), are flushed to disk, then renamed over.
/// </summary>
internal static class AtomicFile
{
    /// <summary>A temp-file name in the folder of <paramref name="path"/>; dot-prefixed so listings skip it.</summary>
    public static string TempPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically; <paramref name="beforeCommit"/> is a test seam.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, Action<string>? beforeCommit = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            beforeCommit?.Invoke(path);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes a file, ignoring a missing one and IO errors (used on paths that are already failing).</summary>
    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
