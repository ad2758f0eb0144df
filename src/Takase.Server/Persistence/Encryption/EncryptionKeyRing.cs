using System.Security.Cryptography;

namespace Takase.Server.Persistence.Encryption;

/// <summary>
/// The keys that protect conversation text at rest: one current key that encrypts new writes and any number of
/// previous keys that still decrypt older rows. Each key is known by a short id derived from the key itself, so
/// configuration lists plain keys and a ciphertext names the key it needs.
/// </summary>
public sealed class EncryptionKeyRing
{
    /// <summary>Bytes in a key (AES-256).</summary>
    public const int KeySize = 32;

    private readonly Dictionary<uint, byte[]> _keys = [];

    /// <summary>Creates a ring from the current key and the retired ones (all 32 raw bytes).</summary>
    /// <exception cref="ArgumentException">a key is not 32 bytes.</exception>
    public EncryptionKeyRing(byte[] current, IEnumerable<byte[]>? previous = null)
    {
        CurrentId = Add(current, "the current key");
        foreach (var key in previous ?? []) Add(key, "a previous key");
    }

    /// <summary>Id of the key new writes use.</summary>
    public uint CurrentId { get; }

    /// <summary>The current key's bytes.</summary>
    internal byte[] Current => _keys[CurrentId];

    /// <summary>Ids of every key the ring can decrypt with.</summary>
    public IReadOnlyCollection<uint> Ids => _keys.Keys;

    /// <summary>The key with this id, or null when the ring does not hold it.</summary>
    internal byte[]? Find(uint id) => _keys.GetValueOrDefault(id);

    /// <summary>A key's id: the first four bytes of SHA-256 over a label and the key (the key cannot be recovered from it).</summary>
    public static uint IdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> input = stackalloc byte[IdLabel.Length + KeySize];
        IdLabel.CopyTo(input);
        key.CopyTo(input[IdLabel.Length..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..(IdLabel.Length + key.Length)], hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    /// <summary>A key id as the eight hex digits logs and error messages show.</summary>
    public static string Format(uint id) => id.ToString("x8");

    /// <summary>Decodes a configured key (base64 of 32 bytes).</summary>
    /// <param name="base64">The configured value.</param>
    /// <param name="setting">The setting it came from, for the error message.</param>
    /// <exception cref="ArgumentException">not base64, or not 32 bytes.</exception>
    public static byte[] Parse(string base64, string setting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{setting} is not base64; generate a key with `openssl rand -base64 32`");
        }
        if (key.Length != KeySize)
            throw new ArgumentException($"{setting} decodes to {key.Length} bytes but must be {KeySize}; generate a key with `openssl rand -base64 32`");
        return key;
    }

    /// <summary>A fresh random key.</summary>
    public static byte[] Generate() => RandomNumberGenerator.GetBytes(KeySize);

    private static ReadOnlySpan<byte> IdLabel => "takase-key-id:"u8;

    private uint Add(byte[] key, string what)
    {
        if (key.Length != KeySize) throw new ArgumentException($"{what} is {key.Length} bytes; AES-256 keys are {KeySize}");
        var id = IdOf(key);
        _keys.TryAdd(id, (byte[])key.Clone());
        return id;
    }
}
