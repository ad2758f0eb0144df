using System.Security.Cryptography;

namespace Takase.Library.Store;

public sealed partial class ModelStore
{
    /// <summary>
    /// Stores a stream as a blob and returns its digest. The bytes go to a temp file while being hashed; only when
    /// the hash matches <paramref name="expectedDigest"/> (if given) is the file renamed to its digest name.
    /// An existing blob of the same digest is kept (blobs are immutable).
    /// </summary>
    /// <exception cref="BlobDigestMismatchException">The content's digest is not <paramref name="expectedDigest"/>.</exception>
    /// <exception cref="ModelStoreException">Writing failed (disk full, permissions); no final-named file is left.</exception>
    public async Task<string> WriteBlobAsync(Stream source, string? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        if (expectedDigest is not null)
        {
            expectedDigest = BlobDigest.Normalize(expectedDigest);
            if (HasBlob(expectedDigest)) return expectedDigest;
        }
        Directory.CreateDirectory(BlobsDirectory);
        var temp = Path.Combine(BlobsDirectory, $".tmp-{Guid.NewGuid():N}");
        try
        {
            string digest;
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                output.Flush(flushToDisk: true);
                digest = BlobDigest.FromHash(hash.GetHashAndReset());
            }
            if (expectedDigest is not null && digest != expectedDigest)
                throw new BlobDigestMismatchException(expectedDigest, digest, "the written stream");
            CommitBlob(temp, digest);
            return digest;
        }
        catch (IOException e)
        {
            AtomicFile.TryDelete(temp);
            if (DiskSpace.IsFull(e)) throw DiskSpace.Full(Root, "a new blob", source.CanSeek ? source.Length : null, e);
            throw IoFailure("writing a blob", temp, e);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Gives a finished, verified temp file (in <see cref="BlobsDirectory"/>) its digest name. If the blob already
    /// exists the temp file is dropped: same digest, same bytes.
    /// </summary>
    internal void CommitBlob(string verifiedTempPath, string digest)
    {
        var final = BlobPath(digest);
        BeforeCommit?.Invoke(final);
        if (File.Exists(final))
        {
            AtomicFile.TryDelete(verifiedTempPath);
            return;
        }
        File.Move(verifiedTempPath, final, overwrite: false);
    }

    /// <summary>Copies a blob that only a read-only root holds into <see cref="Root"/>, verifying it on the way.</summary>
    private async Task EnsureOwnBlobAsync(Layer layer, string forModel, CancellationToken cancellationToken)
    {
        if (HasBlob(layer.Digest)) return;
        var source = FindBlob(layer.Digest)
            ?? throw new ModelStoreException($"blob {layer.Digest} ({layer.MediaType}) of model '{forModel}' is not in {Root} or any read-only root; pull the model again.");
        await using var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await WriteBlobAsync(stream, layer.Digest, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Bytes whose sha256 is not the digest they were stored or downloaded under.</summary>
public sealed class BlobDigestMismatchException(string expected, string actual, string source)
    : ModelStoreException($"digest mismatch for {source}: expected {expected}, got {actual}. The bytes were discarded; the source served corrupt or different data.")
{
    /// <summary>The digest the bytes should have had.</summary>
    public string Expected { get; } = expected;

    /// <summary>The digest they had.</summary>
    public string Actual { get; } = actual;
}
