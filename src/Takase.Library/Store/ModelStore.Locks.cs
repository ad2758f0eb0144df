namespace Takase.Library.Store;

/// <summary>
/// Several processes may share one store (a server and a CLI, or two servers). Blobs and manifests are written
/// atomically, so the only race that loses data is pruning: a pull or create writes its blobs before the manifest that
/// refers to them, and a prune in between would see them as unreferenced. So every writing operation holds a write
/// lease — a lock file under <c>locks/</c> held open with an exclusive OS lock (released by the OS if the process dies) —
/// and prune, under its own lock, leaves unreferenced blobs alone while any lease is live.
/// </summary>
public sealed partial class ModelStore
{
    private const string LocksFolder = "locks";
    private const string PruneLockName = "prune.lock";
    private static readonly TimeSpan PruneWait = TimeSpan.FromMinutes(2);

    /// <summary>The folder of lock files.</summary>
    public string LocksDirectory => Path.Combine(Root, LocksFolder);

    /// <summary>
    /// Declares a writing operation (pull, create, copy) until disposed: prunes, in this process or another, keep every
    /// blob meanwhile. Waits for a prune in progress to finish first, so no blob this operation finds is removed under it.
    /// </summary>
    /// <exception cref="ModelStoreException">the locks folder cannot be written, or a prune held its lock for minutes.</exception>
    public IDisposable BeginWrite()
    {
        var lease = OpenExclusive(Path.Combine(LocksDirectory, $"write-{Environment.ProcessId}-{Guid.NewGuid():N}.lock"), FileMode.CreateNew, deleteOnClose: true)
            ?? throw new ModelStoreException($"could not create a write lock in {LocksDirectory}");
        try
        {
            // Taking and dropping the prune lock means no prune is running; any later prune sees this lease.
            using var prune = WaitExclusive(Path.Combine(LocksDirectory, PruneLockName), PruneWait);
            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Holds the prune lock; <paramref name="writersActive"/> tells whether any write lease is live.</summary>
    private IDisposable BeginPrune(out bool writersActive)
    {
        var prune = WaitExclusive(Path.Combine(LocksDirectory, PruneLockName), PruneWait);
        writersActive = false;
        foreach (var file in Directory.EnumerateFiles(LocksDirectory, "write-*.lock"))
        {
            // A lease file we can lock is stale (its process died before deleting it): remove it.
            using var stale = OpenExclusive(file, FileMode.Open, deleteOnClose: true);
            if (stale is null) writersActive = true;
        }
        return prune;
    }

    private FileStream WaitExclusive(string path, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (OpenExclusive(path, FileMode.OpenOrCreate, deleteOnClose: false) is { } held) return held;
            if (clock.Elapsed > timeout)
                throw new ModelStoreException($"another process has held {path} for over {timeout.TotalMinutes:0} minutes; if no takase process is pruning this store, delete the file.");
            Thread.Sleep(50);
        }
    }

    /// <summary>The file opened with an exclusive lock, or null when another holder has it (or it vanished meanwhile).</summary>
    private FileStream? OpenExclusive(string path, FileMode mode, bool deleteOnClose)
    {
        try
        {
            Directory.CreateDirectory(LocksDirectory);
            return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None, 1, deleteOnClose ? FileOptions.DeleteOnClose : FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException) when (mode != FileMode.CreateNew || File.Exists(path))
        {
            return null; // locked by another holder
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelStoreException($"cannot write lock files in {LocksDirectory}: {e.Message}", e);
        }
    }
}
