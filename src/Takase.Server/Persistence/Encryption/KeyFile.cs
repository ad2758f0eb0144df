using Microsoft.Extensions.Logging;

namespace Takase.Server.Persistence.Encryption;

/// <summary>
/// The generated key of an installation that configured none: a file beside the SQLite database, readable by its
/// owner only (0600), holding one base64 key. Losing it loses the encrypted text, so the log says where it is.
/// </summary>
public static class KeyFile
{
    /// <summary>The key file that belongs to a database file.</summary>
    public static string PathFor(string databasePath) => databasePath + ".key";

    /// <summary>Reads the key file, or creates it with a fresh key when it does not exist.</summary>
    /// <exception cref="ArgumentException">the file exists but holds no valid key.</exception>
    public static byte[] LoadOrCreate(string path, ILogger logger)
    {
        if (Load(path) is { } existing) return existing;
        var key = EncryptionKeyRing.Generate();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
            writer.WriteLine(Convert.ToBase64String(key));
        }
        catch (IOException) when (File.Exists(path))
        {
            return Load(path)!; // another process created it first
        }
        logger.LogWarning("no Takase:Database:EncryptionKey is configured: generated one into {KeyFile} (key {KeyId}, mode 0600). Conversation text in the database cannot be read without it; back it up, or configure a key (see src/Takase.Server/Persistence/README.md)",
            path, EncryptionKeyRing.Format(EncryptionKeyRing.IdOf(key)));
        return key;
    }

    /// <summary>The key in the file, or null when the file does not exist.</summary>
    public static byte[]? Load(string path)
    {
        if (!File.Exists(path)) return null;
        return EncryptionKeyRing.Parse(File.ReadAllText(path), $"the key file {path}");
    }
}
