using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Takase.Library.Store;

/// <summary>
/// Content digests as the registries and Ollama's store spell them: <c>sha256:&lt;64 hex&gt;</c> on the wire and in
/// manifests, <c>sha256-&lt;64 hex&gt;</c> as a blob's file name (':' is not allowed in Windows file names).
/// </summary>
public static class BlobDigest
{
    /// <summary>The prefix every digest Takase accepts starts with.</summary>
    public const string Prefix = "sha256:";

    /// <summary>True for <c>sha256:</c> (or <c>sha256-</c>) followed by 64 hex digits; the result is lower case with ':'.</summary>
    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? digest)
    {
        digest = null;
        if (text is null || text.Length != 71 || !text.StartsWith("sha256", StringComparison.OrdinalIgnoreCase) || text[6] is not (':' or '-'))
            return false;
        foreach (var c in text.AsSpan(7))
            if (!char.IsAsciiHexDigit(c)) return false;
        digest = Prefix + text[7..].ToLowerInvariant();
        return true;
    }

    /// <summary>Normalizes a digest or throws naming the bad input.</summary>
    public static string Normalize(string text) =>
        TryNormalize(text, out var digest) ? digest : throw new FormatException($"'{text}' is not a sha256 digest (expected sha256:<64 hex digits>).");

    /// <summary>The blob's file name for a digest: <c>sha256-&lt;hex&gt;</c>.</summary>
    public static string FileName(string digest) => "sha256-" + Normalize(digest)[7..];

    /// <summary>The digest a blob file name stands for, or null for files that are not finished blobs (partials, temp files).</summary>
    public static string? FromFileName(string fileName) =>
        fileName.StartsWith("sha256-", StringComparison.Ordinal) && TryNormalize(fileName, out var d) ? d : null;

    /// <summary>The 12 hex digits Ollama shows in progress lines ("pulling 6a0746a1ec1a").</summary>
    public static string Short(string digest) => Normalize(digest)[7..19];

    /// <summary>The digest of some bytes.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => FromHash(SHA256.HashData(bytes));

    /// <summary>The digest of a file's whole content.</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return FromHash(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Formats a raw SHA-256 hash as a digest.</summary>
    public static string FromHash(ReadOnlySpan<byte> hash) => Prefix + Convert.ToHexStringLower(hash);
}
