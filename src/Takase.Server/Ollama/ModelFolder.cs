using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>
/// Changes to the served models folder for /api/copy and /api/delete, until the content-addressed model library
/// replaces the folder: a model is the file NAME.gguf, so a copy is a hard link (or, across file systems, a copy)
/// under the new name, and a delete removes that folder entry — a symbolic link is removed, never what it points to.
/// Names are checked so no request can reach outside the folder. Blobs (/api/blobs) are stored under blobs/ in
/// Ollama's layout, ready for the model library's /api/create.
/// </summary>
public static partial class ModelFolder
{
    /// <summary>Longest model name accepted.</summary>
    public const int MaxNameLength = 128;

    /// <summary>
    /// The file base name for a new model name ("name" or "name:latest").
    /// </summary>
    /// <exception cref="ArgumentException">the name has path characters, a tag other than latest, or is empty or too long.</exception>
    public static string BaseNameFor(string name, string field)
    {
        var colon = name.LastIndexOf(':');
        var baseName = colon < 0 ? name : name[..colon];
        var tag = colon < 0 ? "latest" : name[(colon + 1)..];
        if (baseName.Length is 0 or > MaxNameLength || !char.IsAsciiLetterOrDigit(baseName[0])
            || !baseName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') || baseName.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException(
                $"{field} \"{name}\" is not a valid model name here: use letters, digits, '.', '-' and '_' (no '/', '\\' or '..'), starting with a letter or digit, at most {MaxNameLength} characters");
        if (!string.Equals(tag, "latest", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException(
                $"{field} \"{name}\": the models folder names each model after its file, so only the tag \"latest\" exists until the model library arrives; leave the tag out");
        return baseName;
    }

    /// <summary>The folder entry (file or link) that holds <paramref name="entry"/>, or null when it is gone.</summary>
    public static string? FileOf(string directory, ModelEntry entry)
    {
        if (!Directory.Exists(directory)) return null;
        return new DirectoryInfo(directory).EnumerateFiles("*.gguf")
            .FirstOrDefault(f => string.Equals(Path.GetFileNameWithoutExtension(f.Name), entry.BaseName, StringComparison.OrdinalIgnoreCase))?.FullName;
    }

    /// <summary>Makes <paramref name="source"/> available as <paramref name="baseName"/>, replacing any model of that name.</summary>
    public static void Copy(string directory, ModelEntry source, string baseName)
    {
        var target = Path.Combine(directory, baseName + ".gguf");
        if (string.Equals(Path.GetFullPath(target), Path.GetFullPath(source.Path), StringComparison.Ordinal)) return;
        // Build under a temporary name, then rename: a reader never sees half a file.
        var temporary = Path.Combine(directory, $".{baseName}.{Guid.NewGuid():N}.partial");
        try
        {
            if (!TryHardLink(source.Path, temporary)) File.Copy(source.Path, temporary);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Removes the folder entry of <paramref name="entry"/>; false when it was already gone.</summary>
    public static bool Delete(string directory, ModelEntry entry)
    {
        var file = FileOf(directory, entry);
        if (file is null) return false;
        File.Delete(file); // a symbolic link goes, its target stays
        return true;
    }

    /// <summary>
    /// Where the blob named <paramref name="digest"/> ("sha256:&lt;64 hex&gt;", or the file form "sha256-&lt;64 hex&gt;")
    /// lives: &lt;models&gt;/blobs/sha256-&lt;hex&gt;, Ollama's layout.
    /// </summary>
    /// <exception cref="ArgumentException">the digest is not a sha256 digest.</exception>
    public static string BlobPath(string directory, string digest)
    {
        var hex = digest.Length == 71 && (digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.StartsWith("sha256-", StringComparison.Ordinal))
            ? digest[7..] : null;
        if (hex is null || !hex.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"invalid digest \"{digest}\"; expected sha256:<64 hex digits>");
        return Path.Combine(directory, "blobs", "sha256-" + hex.ToLowerInvariant());
    }

    /// <summary>
    /// Writes <paramref name="body"/> to <paramref name="path"/> (from <see cref="BlobPath"/>) if its sha256 is the
    /// one the path names; a partial or mismatched upload leaves nothing behind.
    /// </summary>
    /// <exception cref="ArgumentException">the content's digest differs from the name's.</exception>
    public static async Task StoreBlobAsync(string path, Stream body, CancellationToken cancel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + $".{Guid.NewGuid():N}.partial";
        try
        {
            string actual;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, cancel)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancel);
                }
                actual = "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            var expected = "sha256:" + Path.GetFileName(path)["sha256-".Length..];
            if (actual != expected) throw new ArgumentException($"digest mismatch, expected \"{expected}\", got \"{actual}\"");
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static bool TryHardLink(string existing, string link)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return false;
        // Fails across file systems (EXDEV) or where links are not allowed; copying is the fallback.
        return HardLink(existing, link) == 0;
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int HardLink(string existing, string link);
}
