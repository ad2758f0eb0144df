namespace Takase.Library.Registry;

/// <summary>
/// Where the ed25519 key that signs registry token requests lives. In order: the configured path
/// (<see cref="RegistryClientOptions.KeyPath"/>), <c>$TAKASE_KEY</c>, Takase's own <c>~/.takase/id_ed25519</c>,
/// then Ollama's <c>~/.ollama/id_ed25519</c> (so an ollama.com account that already knows Ollama's key works
/// unchanged). When none exists, a new key is created at the configured path or <c>~/.takase/id_ed25519</c>.
/// </summary>
public static class RegistryKeyFile
{
    /// <summary>Environment variable naming the private key file to sign with (created there when missing).</summary>
    public const string EnvironmentVariable = "TAKASE_KEY";

    /// <summary>The key file's name, the same as Ollama's.</summary>
    public const string FileName = "id_ed25519";

    /// <summary>The path the key is read from, or created at when missing, for this user.</summary>
    public static string Locate(string? configured = null) =>
        Locate(configured, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Environment.GetEnvironmentVariable);

    /// <summary><see cref="Locate(string?)"/> with the home folder and environment given (a test seam).</summary>
    internal static string Locate(string? configured, string home, Func<string, string?> environment)
    {
        if (configured is { Length: > 0 }) return Path.GetFullPath(configured);
        if (environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment) return Path.GetFullPath(fromEnvironment);
        var takase = Path.Combine(home, ".takase", FileName);
        var ollama = Path.Combine(home, ".ollama", FileName);
        return !File.Exists(takase) && File.Exists(ollama) ? ollama : takase;
    }

    /// <summary>Loads the key at <paramref name="path"/>, or creates it there (with its <c>.pub</c>) when there is none.</summary>
    /// <exception cref="RegistryException">The file exists but is not an unencrypted OpenSSH ed25519 key.</exception>
    public static Ed25519Key LoadOrCreate(string path) =>
        File.Exists(path) ? Ed25519Key.Load(path) : Ed25519Key.Generate().SaveNew(path);
}
