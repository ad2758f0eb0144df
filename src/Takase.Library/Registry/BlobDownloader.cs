using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Takase.Library.Store;

namespace Takase.Library.Registry;

/// <summary>What to download: the URL, the digest it must have (null when the source does not say) and its size.</summary>
/// <param name="Url">The blob's URL (redirects are followed).</param>
/// <param name="Digest">The expected <c>sha256:</c> digest, or null to accept whatever arrives.</param>
/// <param name="Size">The blob's length in bytes, from the manifest or file listing.</param>
/// <param name="PartialKey">The partial file's name stem in the blobs folder; the same key resumes the same download.</param>
internal sealed record BlobRequest(Uri Url, string? Digest, long Size, string PartialKey);

/// <summary>
/// Downloads one blob into the store, resumably. The bytes go to <c>blobs/&lt;key&gt;-partial</c>, split into ranged
/// parts fetched in parallel when the blob is large; each part's progress is saved in
/// <c>&lt;key&gt;-partial.json</c> after its bytes are flushed to disk, so a later download (after a crash, a drop or
/// Ctrl-C) fetches only what is missing. Drops, stalls, 5xx and 429 are retried with backoff. The finished file
/// is sha256-verified before it gets its digest name; a mismatch discards it and fetches once more, then fails.
/// </summary>
internal sealed class BlobDownloader(RetryingHttp http, ModelStore store)
{
    private static readonly JsonSerializerOptions StateJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Downloads, verifies and stores the blob; returns its digest. <paramref name="onProgress"/> gets bytes done so far.</summary>
    public async Task<string> DownloadAsync(BlobRequest blob, Action<long> onProgress, CancellationToken cancellationToken)
    {
        if (blob.Digest is not null && store.HasBlob(blob.Digest))
        {
            onProgress(blob.Size);
            return blob.Digest;
        }
        for (var attempt = 1; ; attempt++)
        {
            var partial = Path.Combine(store.BlobsDirectory, blob.PartialKey + "-partial");
            // A fresh download that cannot fit fails before the first byte, not after filling the disk.
            if (!File.Exists(partial) && DiskSpace.Available(store.Root) is { } free && free < blob.Size)
                throw DiskSpace.Full(store.Root, $"blob {blob.Digest ?? blob.PartialKey}", blob.Size);
            try
            {
                await FetchAsync(blob, partial, onProgress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (DiskSpace.IsFull(e))
            {
                // The partial file only holds on to the space the user needs back; a later pull starts over.
                AtomicFile.TryDelete(partial);
                AtomicFile.TryDelete(StatePath(partial));
                throw DiskSpace.Full(store.Root, $"blob {blob.Digest ?? blob.PartialKey}", blob.Size, e);
            }
            var actual = await BlobDigest.OfFileAsync(partial, cancellationToken).ConfigureAwait(false);
            if (blob.Digest is null || actual == blob.Digest)
            {
                store.CommitBlob(partial, actual);
                AtomicFile.TryDelete(StatePath(partial));
                return actual;
            }
            // Corrupt bytes must not be resumed from: start the next try from nothing.
            AtomicFile.TryDelete(partial);
            AtomicFile.TryDelete(StatePath(partial));
            if (attempt == 2) throw new BlobDigestMismatchException(blob.Digest, actual, blob.Url.ToString());
        }
    }

    private static string StatePath(string partial) => partial + ".json";

    private async Task FetchAsync(BlobRequest blob, string partial, Action<long> onProgress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(store.BlobsDirectory);
        var state = LoadState(partial, blob) ?? NewState(blob);
        await using (var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
        {
            if (file.Length != blob.Size) file.SetLength(blob.Size);
        }
        var tracker = new ProgressTracker(state, onProgress);
        tracker.Report();

        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = state.Parts.Where(p => p.Completed < p.Length).Select(async part =>
        {
            try
            {
                await FetchPartAsync(blob, partial, part, state, tracker, failFast.Token).ConfigureAwait(false);
            }
            catch
            {
                await failFast.CancelAsync().ConfigureAwait(false); // one part failing for good stops the others
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch
        {
            // Report the part that failed first, not a part that was merely stopped because of it.
            var first = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
        finally
        {
            SaveState(partial, state);
        }
    }

    private async Task FetchPartAsync(BlobRequest blob, string partial, PartState part, DownloadState state, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        var what = $"downloading {blob.Url}";
        var failures = 0;
        while (part.Completed < part.Length)
        {
            var before = part.Completed;
            try
            {
                await FetchRangeAsync(blob, partial, part, state, tracker, cancellationToken).ConfigureAwait(false);
                if (part.Completed < part.Length)
                    throw new IOException($"the server ended the response at byte {part.Offset + part.Completed} of {blob.Size}");
            }
            catch (Exception e) when (!DiskSpace.IsFull(e) && RetryingHttp.IsTransient(e, cancellationToken))
            {
                if (part.Completed > before) failures = 0; // progress: the connection is flaky, not dead
                await http.BackoffAsync(failures++, e, what, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task FetchRangeAsync(BlobRequest blob, string partial, PartState part, DownloadState state, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        var start = part.Offset + part.Completed;
        var end = part.Offset + part.Length - 1;
        using var response = await http.SendOnceAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, blob.Url);
            request.Headers.Range = new RangeHeaderValue(start, end);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (RetryingHttp.IsTransient(response.StatusCode))
            throw new RegistryException($"downloading {blob.Url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}") { StatusCode = (int)response.StatusCode };
        if (!response.IsSuccessStatusCode)
            throw await RetryingHttp.ErrorAsync(response, $"downloading {blob.Url}", "Check the model name and that you may read it.", cancellationToken).ConfigureAwait(false);

        // A server that ignores Range sends the whole blob from byte 0: skip to where this part resumes.
        long skip = 0;
        if (response.StatusCode != HttpStatusCode.PartialContent) skip = start;
        else if (response.Content.Headers.ContentRange is { From: { } from } && from != start)
            throw new RegistryException($"downloading {blob.Url}: asked for bytes from {start}, the server sent bytes from {from}.");

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var file = new FileStream(partial, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        file.Position = start;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = new byte[1 << 16];
        long sinceCheckpoint = 0;
        try
        {
            while (part.Completed < part.Length)
            {
                stall.CancelAfter(http.Options.StallTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data from {blob.Url} for {http.Options.StallTimeout.TotalSeconds:0} s");
                }
                if (read == 0) break;
                var chunk = buffer.AsMemory(0, read);
                if (skip > 0)
                {
                    var dropped = (int)Math.Min(skip, read);
                    skip -= dropped;
                    chunk = chunk[dropped..];
                }
                chunk = chunk[..(int)Math.Min(chunk.Length, part.Length - part.Completed)];
                if (chunk.Length == 0) continue;
                await file.WriteAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                part.Completed += chunk.Length;
                sinceCheckpoint += chunk.Length;
                tracker.Add(chunk.Length);
                if (sinceCheckpoint >= http.Options.CheckpointBytes)
                {
                    Checkpoint(file, part, partial, state);
                    sinceCheckpoint = 0;
                }
            }
        }
        finally
        {
            // Whatever was written is made durable and recorded, so a resume starts after it.
            Checkpoint(file, part, partial, state);
        }
    }

    private static void Checkpoint(FileStream file, PartState part, string partial, DownloadState state)
    {
        file.Flush(flushToDisk: true);
        lock (state)
        {
            part.Durable = part.Completed;
        }
        SaveState(partial, state);
    }

    private DownloadState NewState(BlobRequest blob)
    {
        var parts = blob.Size >= http.Options.RangedDownloadThreshold && http.Options.PartCount > 1 ? http.Options.PartCount : 1;
        var size = Math.Max(1, (blob.Size + parts - 1) / parts);
        var list = new List<PartState>();
        for (long offset = 0; offset < blob.Size; offset += size)
            list.Add(new PartState { Offset = offset, Length = Math.Min(size, blob.Size - offset) });
        return new DownloadState { Url = blob.Url.ToString(), Digest = blob.Digest, Size = blob.Size, Parts = list };
    }

    /// <summary>The saved state of an earlier try at the same blob, or null when there is none or it does not fit.</summary>
    private static DownloadState? LoadState(string partial, BlobRequest blob)
    {
        var path = StatePath(partial);
        if (!File.Exists(path) || !File.Exists(partial)) return null;
        try
        {
            var state = JsonSerializer.Deserialize<DownloadState>(File.ReadAllBytes(path), StateJson);
            if (state is null || state.Size != blob.Size || state.Digest != blob.Digest || new FileInfo(partial).Length != blob.Size) return null;
            if (state.Parts.Sum(p => p.Length) != blob.Size || state.Parts.Any(p => p.Durable < 0 || p.Durable > p.Length)) return null;
            foreach (var p in state.Parts) p.Completed = p.Durable;
            return state;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null; // a damaged state file only costs a fresh start
        }
    }

    private static void SaveState(string partial, DownloadState state)
    {
        byte[] json;
        lock (state)
        {
            json = JsonSerializer.SerializeToUtf8Bytes(state, StateJson);
        }
        lock (state.SaveLock)
        {
            AtomicFile.Write(StatePath(partial), json);
        }
    }

    /// <summary>Sums the parts' progress and reports it, never going backwards.</summary>
    private sealed class ProgressTracker(DownloadState state, Action<long> onProgress)
    {
        private long _done = state.Parts.Sum(p => p.Completed);

        public void Report() => onProgress(Interlocked.Read(ref _done));

        public void Add(long bytes)
        {
            lock (this)
            {
                _done += bytes;
                onProgress(_done);
            }
        }
    }

    private sealed class DownloadState
    {
        public string Url { get; set; } = "";
        public string? Digest { get; set; }
        public long Size { get; set; }
        public List<PartState> Parts { get; set; } = [];

        [JsonIgnore]
        public object SaveLock { get; } = new();
    }

    private sealed class PartState
    {
        public long Offset { get; set; }
        public long Length { get; set; }

        /// <summary>Bytes flushed to disk; only these survive into the next try.</summary>
        public long Durable { get; set; }

        /// <summary>Bytes written in this try (some may not be flushed yet).</summary>
        [JsonIgnore]
        public long Completed { get; set; }
    }
}
