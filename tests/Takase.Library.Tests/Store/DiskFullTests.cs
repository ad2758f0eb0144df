using System.Diagnostics;
using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Library.Tests.Registry;

namespace Takase.Library.Tests.Store;

/// <summary>
/// A full disk, for real: the store lives on a small tmpfs mounted for the test (skipped where mounting is not allowed).
/// The error says what to do, nothing is left half-written, and no partial file holds on to the space.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("takase-full-").FullName;
    private readonly bool _mounted;

    public DiskFullTests()
    {
        _mounted = OperatingSystem.IsLinux() && Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", _mount);
    }

    [Fact]
    public async Task APullThatCannotFitFailsBeforeDownloadingAndStoresNothing()
    {
        RequireMount();
        await using var kit = await RegistryTestKit.StartAsync();
        var big = kit.Registry.AddBlob(MediaTypes.Model, RegistryTestKit.RandomBytes(900_000, 1));
        kit.Registry.AddModel("library", "toobig", "latest", big);
        var store = new ModelStore(Path.Combine(_mount, "models"));

        var e = await Assert.ThrowsAsync<DiskFullException>(() => new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("toobig"));

        Assert.Contains("not enough disk space", e.Message);
        Assert.Contains(ModelStore.ModelsEnvironmentVariable, e.Message);
        Assert.Equal(0, kit.Registry.GetsStarted.GetValueOrDefault(big.Digest)); // not a byte fetched
        Assert.Null(store.TryResolve("toobig"));
        Assert.False(Directory.Exists(store.BlobsDirectory) && Directory.GetFiles(store.BlobsDirectory).Any(f => f.Contains("partial", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWriteThatRunsOutOfSpaceLeavesNoTempFileAndSaysSo()
    {
        RequireMount();
        var store = new ModelStore(Path.Combine(_mount, "models"));
        var e = await Assert.ThrowsAsync<DiskFullException>(() => store.WriteBlobAsync(new MemoryStream(RegistryTestKit.RandomBytes(1_000_000, 2))));
        Assert.Contains("not enough disk space", e.Message);
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
        // The space is free again: a blob that fits goes in.
        var small = await store.WriteBlobAsync(new MemoryStream(RegistryTestKit.RandomBytes(10_000, 3)));
        Assert.True(store.HasBlob(small));
    }

    [Fact]
    public async Task ADownloadThatFillsTheDiskMidwayIsNotRetriedAndItsPartialIsRemoved()
    {
        RequireMount();
        await using var kit = await RegistryTestKit.StartAsync();
        var blob = kit.Registry.AddBlob(MediaTypes.Model, RegistryTestKit.RandomBytes(300_000, 4));
        kit.Registry.AddModel("library", "squeezed", "latest", blob);
        var store = new ModelStore(Path.Combine(_mount, "models"));
        Directory.CreateDirectory(store.BlobsDirectory);
        var partial = Path.Combine(store.BlobsDirectory, BlobDigest.FileName(blob.Digest) + "-partial");
        // An earlier, interrupted pull left a partial file (so the space check before a fresh download does not apply),
        // and since then something else filled the disk.
        await File.WriteAllBytesAsync(partial, [], TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(_mount, "filler"), RegistryTestKit.RandomBytes(400_000, 5), TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<DiskFullException>(() => new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("squeezed"));

        Assert.Contains("not enough disk space", e.Message);
        Assert.Equal(1, kit.Registry.GetsStarted.GetValueOrDefault(blob.Digest)); // a full disk is not retried like a dropped connection
        Assert.False(File.Exists(partial));
        Assert.Null(store.TryResolve("squeezed"));
    }

    private void RequireMount()
    {
        if (!_mounted) Assert.Skip("mounting a small tmpfs needs root on Linux (CI runs as root); the disk-full tests need a real full disk");
    }

    private static bool Run(string file, params string[] args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_mounted) Run("umount", _mount);
        try { Directory.Delete(_mount, recursive: true); } catch (IOException) { }
    }
}
