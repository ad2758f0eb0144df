using System.Diagnostics;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Store;

/// <summary>
/// A pull or create writes blobs before the manifest naming them; a prune in between — in this process or another —
/// must not take them. Write leases are OS file locks, so they hold across processes and vanish with a dead process.
/// </summary>
public class StoreLockTests
{
    private static string Gguf => SharedData.Path("models/stories260K.gguf");

    [Fact]
    public async Task PruneLeavesUnreferencedBlobsWhileAWriteIsInProgressAndTakesThemAfter()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        string orphan;
        using (store.BeginWrite())
        {
            // What a pull has fetched so far: a blob no manifest names yet.
            orphan = await store.WriteBlobAsync(new MemoryStream("half a pull"u8.ToArray()));
            var during = store.Prune(TimeSpan.Zero);
            Assert.Empty(during.RemovedBlobs);
            Assert.Equal(1, during.DeferredBlobs);
            Assert.True(store.HasBlob(orphan));
        }
        var after = store.Prune(TimeSpan.Zero);
        Assert.Equal([orphan], after.RemovedBlobs);
        Assert.Empty(Directory.GetFiles(store.LocksDirectory, "write-*"));
    }

    [Fact]
    public async Task AWriteLeaseHeldByAnotherProcessIsHonouredAndADeadOnesIsCleared()
    {
        if (!File.Exists("/usr/bin/flock")) Assert.Skip("needs util-linux's flock(1) to hold a lock from a second process");
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        await store.ImportGgufAsync(Gguf, "keep");
        var orphan = await store.WriteBlobAsync(new MemoryStream("another process is pulling"u8.ToArray()));
        Directory.CreateDirectory(store.LocksDirectory);
        var lease = Path.Combine(store.LocksDirectory, "write-99999-foreign.lock");

        // A second process holds a write lease with the same kind of OS lock .NET takes (flock).
        using (var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-x", lease, "sleep", "30"]) { RedirectStandardOutput = true })!)
        {
            try
            {
                await WaitUntilLockedAsync(lease);
                var during = store.Prune(TimeSpan.Zero);
                Assert.Empty(during.RemovedBlobs);
                Assert.True(store.HasBlob(orphan));
            }
            finally
            {
                holder.Kill(entireProcessTree: true);
                await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
        }
        // The holder died without removing its file: the lease is stale, the blob is pruned and the file cleared.
        // (Killing the tree returns before the kernel has reaped `sleep`, which holds the lock: wait for it to go.)
        await WaitUntilUnlockedAsync(lease);
        Assert.True(File.Exists(lease));
        var after = store.Prune(TimeSpan.Zero);
        Assert.Equal([orphan], after.RemovedBlobs);
        Assert.False(File.Exists(lease));
        Assert.NotNull(store.Resolve("keep"));
    }

    [Fact]
    public async Task AWriteWaitsForAPruneInProgressInsteadOfRacingIt()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        Directory.CreateDirectory(store.LocksDirectory);
        var pruneLock = Path.Combine(store.LocksDirectory, "prune.lock");
        var clock = Stopwatch.StartNew();
        IDisposable? lease = null;
        using (new FileStream(pruneLock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var writer = Task.Run(() => lease = store.BeginWrite(), TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.False(writer.IsCompleted); // held back while the "prune" holds its lock
        }
        await Task.Run(async () => { while (lease is null) await Task.Delay(10); }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(clock.ElapsedMilliseconds >= 300);
        lease!.Dispose();
    }

    private static Task WaitUntilUnlockedAsync(string path) => WaitForLockAsync(path, held: false);

    private static Task WaitUntilLockedAsync(string path) => WaitForLockAsync(path, held: true);

    /// <summary>Polls until another process holds (or no longer holds) the OS lock on <paramref name="path"/>.</summary>
    private static async Task WaitForLockAsync(string path, bool held)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path))
            {
                try
                {
                    using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                    if (!held) return;
                }
                catch (IOException)
                {
                    if (held) return;
                }
            }
            await Task.Delay(25);
        }
        throw new TimeoutException(held ? $"flock never locked {path}" : $"the killed holder never released {path}");
    }
}
