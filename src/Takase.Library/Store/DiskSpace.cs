namespace Takase.Library.Store;

/// <summary>
/// A full disk is not a flaky network: retrying cannot help and a half-written download only holds on to the space.
/// These helpers recognise it and phrase the error so a person knows what to do.
/// </summary>
public static class DiskSpace
{
    // .NET reports ENOSPC (and EDQUOT) as IOException with the Windows disk-full codes on every platform.
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorDiskFull = unchecked((int)0x80070070);

    /// <summary>Whether <paramref name="e"/>, or an exception inside it, is "no space left on device".</summary>
    public static bool IsFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is IOException io && (io.HResult is ErrorHandleDiskFull or ErrorDiskFull
                || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || io.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase)))
                return true;
        return false;
    }

    /// <summary>Bytes free for this process on the file system holding <paramref name="folder"/>, or null when unknown.</summary>
    public static long? Available(string folder)
    {
        try
        {
            var existing = folder;
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The error for a store that ran out of room while writing <paramref name="what"/>.</summary>
    public static DiskFullException Full(string folder, string what, long? needed, Exception? cause = null)
    {
        var free = Available(folder);
        var amounts = needed is { } n ? $" ({Bytes(n)} needed, {(free is { } f ? Bytes(f) : "an unknown amount")} free)" : "";
        return new DiskFullException(
            $"not enough disk space in {folder} for {what}{amounts}; nothing was stored. Free some space (`takase rm` unused models) " +
            $"or move the store to a larger disk with {ModelStore.ModelsEnvironmentVariable}.", cause);
    }

    private static string Bytes(long n) => n >= 1 << 30 ? $"{n / (double)(1 << 30):0.0} GiB" : n >= 1 << 20 ? $"{n / (double)(1 << 20):0.0} MiB" : $"{n / 1024.0:0.0} KiB";
}

/// <summary>The store's disk is full; the message says how much was needed and what to do.</summary>
public sealed class DiskFullException(string message, Exception? inner = null) : ModelStoreException(message, inner);
