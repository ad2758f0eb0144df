using System.Buffers.Binary;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Crypto.Utilities;
using Org.BouncyCastle.Security;

namespace Takase.Library.Registry;

/// <summary>
/// The user's ed25519 identity for registries: Ollama's registry (ollama.com) knows a user by the public half,
/// registered at https://ollama.com/settings/keys, and accepts token requests signed with the private half.
/// Keys are stored like ssh-keygen writes them (an unencrypted <c>OPENSSH PRIVATE KEY</c> file and a
/// <c>.pub</c> file in authorized_keys form), so a key made by <c>ssh-keygen -t ed25519</c> or by Ollama works.
/// </summary>
public sealed class Ed25519Key
{
    private const string PemHeader = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string PemFooter = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] OpenSshMagic = "openssh-key-v1\0"u8.ToArray();

    private readonly Ed25519PrivateKeyParameters _private;

    private Ed25519Key(Ed25519PrivateKeyParameters key)
    {
        _private = key;
        var publicBlob = OpenSshPublicKeyUtilities.EncodePublicKey(key.GeneratePublicKey());
        PublicKeyBase64 = Convert.ToBase64String(publicBlob);
    }

    /// <summary>The public key's SSH wire encoding in base64 (the <c>AAAAC3Nz…</c> part of an authorized_keys line).</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>The public key as one authorized_keys line without comment: <c>ssh-ed25519 AAAAC3Nz…</c>; what users register.</summary>
    public string PublicKey => "ssh-ed25519 " + PublicKeyBase64;

    /// <summary>A new random key.</summary>
    public static Ed25519Key Generate() => new(new Ed25519PrivateKeyParameters(new SecureRandom()));

    /// <summary>Reads an unencrypted OpenSSH ed25519 private key file (as <c>ssh-keygen -t ed25519 -N ""</c> writes).</summary>
    /// <exception cref="RegistryException">The file is not such a key; the message says what it is instead and what to do.</exception>
    public static Ed25519Key Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException($"cannot read the registry key {path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses the text of an OpenSSH private key file; <paramref name="source"/> names it in errors.</summary>
    public static Ed25519Key Parse(string text, string source)
    {
        var start = text.IndexOf(PemHeader, StringComparison.Ordinal);
        var end = text.IndexOf(PemFooter, StringComparison.Ordinal);
        if (start < 0 || end < start)
            throw new RegistryException($"{source} is not an OpenSSH private key (no '{PemHeader}' block); create one with: ssh-keygen -t ed25519 -N \"\" -f {source}");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(text[(start + PemHeader.Length)..end]);
        }
        catch (FormatException e)
        {
            throw new RegistryException($"{source}: the OpenSSH private key block is not valid base64; the file is damaged.", e);
        }
        if (CipherName(blob) is { } cipher && cipher != "none")
            throw new RegistryException($"{source} is protected with a passphrase ({cipher}); registry keys must be unencrypted, as Ollama's are. Remove the passphrase with: ssh-keygen -p -N \"\" -f {source}");
        AsymmetricKeyParameter key;
        try
        {
            key = OpenSshPrivateKeyUtilities.ParsePrivateKeyBlob(blob);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or IndexOutOfRangeException)
        {
            throw new RegistryException($"{source}: the OpenSSH private key cannot be read ({e.Message}); the file is damaged.", e);
        }
        return key is Ed25519PrivateKeyParameters ed
            ? new Ed25519Key(ed)
            : throw new RegistryException($"{source} holds a {key.GetType().Name.Replace("PrivateKeyParameters", "", StringComparison.Ordinal)} key; registries need an ed25519 key (ssh-keygen -t ed25519).");
    }

    /// <summary>The raw 64-byte ed25519 signature of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signer = new Ed25519Signer();
        signer.Init(forSigning: true, _private);
        signer.BlockUpdate(data);
        return signer.GenerateSignature();
    }

    /// <summary>The private key file's text (<c>-----BEGIN OPENSSH PRIVATE KEY-----</c>, base64 in 70-column lines).</summary>
    public string ToOpenSshPrivateKey()
    {
        var base64 = Convert.ToBase64String(OpenSshPrivateKeyUtilities.EncodePrivateKey(_private));
        var text = new StringBuilder(PemHeader).Append('\n');
        for (var i = 0; i < base64.Length; i += 70)
            text.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        return text.Append(PemFooter).Append('\n').ToString();
    }

    /// <summary>
    /// Writes the key to <paramref name="path"/> (mode 0600, created that way so the secret is never readable by
    /// others) and the public key to <paramref name="path"/>.pub, each atomically. Never replaces an existing key:
    /// when another process wrote one first, that key is loaded and returned instead, so both sign the same way.
    /// </summary>
    public Ed25519Key SaveNew(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
            else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(ToOpenSshPrivateKey()));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            TryDelete(temp);
            return Load(path); // lost a race with another process creating the key: use theirs
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        var pubTemp = Path.Combine(folder, $".{Path.GetFileName(path)}.pub.tmp-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(pubTemp, PublicKey + "\n");
            File.Move(pubTemp, path + ".pub", overwrite: true);
        }
        catch
        {
            TryDelete(pubTemp);
            throw;
        }
        return this;
    }

    /// <summary>The cipher an <c>openssh-key-v1</c> blob is encrypted with, or null when the blob is not one.</summary>
    private static string? CipherName(ReadOnlySpan<byte> blob)
    {
        if (!blob.StartsWith(OpenSshMagic) || blob.Length < OpenSshMagic.Length + 4) return null;
        var length = BinaryPrimitives.ReadUInt32BigEndian(blob[OpenSshMagic.Length..]);
        var start = OpenSshMagic.Length + 4;
        return length <= (uint)(blob.Length - start) ? Encoding.ASCII.GetString(blob.Slice(start, (int)length)) : null;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
