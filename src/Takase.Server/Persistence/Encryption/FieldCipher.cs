using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Takase.Server.Persistence.Encryption;

/// <summary>
/// Encrypts one text field with AES-256-GCM. The stored value is
/// <c>[version 1][key id, 4 bytes][nonce, 12][tag, 16][ciphertext]</c>; the field's place (table, column, row id) is
/// authenticated as associated data, so a ciphertext copied into another row or column fails like an altered one.
/// </summary>
public sealed class FieldCipher(EncryptionKeyRing keys)
{
    private const byte Version = 1;
    private const int HeaderSize = 1 + 4 + NonceSize + TagSize;
    private const int NonceSize = 12; // AesGcm.NonceByteSizes.MaxSize
    private const int TagSize = 16;   // AesGcm.TagByteSizes.MaxSize

    /// <summary>The key ring in use.</summary>
    public EncryptionKeyRing Keys { get; } = keys;

    /// <summary>Encrypts <paramref name="plaintext"/> under the current key; null stays null.</summary>
    /// <param name="plaintext">The text to protect.</param>
    /// <param name="place">Where it is stored ("feedback.comment:fb_…"); decrypting must name the same place.</param>
    public byte[]? Encrypt(string? plaintext, string place)
    {
        if (plaintext is null) return null;
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[HeaderSize + clear.Length];
        sealedValue[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(sealedValue.AsSpan(1, 4), Keys.CurrentId);
        var nonce = sealedValue.AsSpan(5, NonceSize);
        // Random 96-bit nonces stay within NIST's bound (2^32 encryptions per key); rotate keys long before that.
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Keys.Current, TagSize);
        aes.Encrypt(nonce, clear, sealedValue.AsSpan(HeaderSize), sealedValue.AsSpan(5 + NonceSize, TagSize), Encoding.UTF8.GetBytes(place));
        return sealedValue;
    }

    /// <summary>Decrypts a value <see cref="Encrypt"/> wrote for the same <paramref name="place"/>; null stays null.</summary>
    /// <exception cref="StoredDataException">the value was altered, belongs elsewhere, or needs a key the ring lacks.</exception>
    public string? Decrypt(byte[]? sealedValue, string place)
    {
        if (sealedValue is null) return null;
        if (sealedValue.Length < HeaderSize || sealedValue[0] != Version)
            throw new StoredDataException($"the encrypted value at {place} is not in Takase's format (version {(sealedValue.Length > 0 ? sealedValue[0] : 0)}, {sealedValue.Length} bytes); it was altered or written by something else");
        var id = BinaryPrimitives.ReadUInt32BigEndian(sealedValue.AsSpan(1, 4));
        var key = Keys.Find(id)
            ?? throw new StoredDataException($"the value at {place} is encrypted with key {EncryptionKeyRing.Format(id)}, which is neither Takase:Database:EncryptionKey nor in Takase:Database:PreviousKeys ({string.Join(", ", Keys.Ids.Select(EncryptionKeyRing.Format))}); add that key to PreviousKeys");
        var clear = new byte[sealedValue.Length - HeaderSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedValue.AsSpan(5, NonceSize), sealedValue.AsSpan(HeaderSize), sealedValue.AsSpan(5 + NonceSize, TagSize), clear, Encoding.UTF8.GetBytes(place));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new StoredDataException($"the encrypted value at {place} failed authentication under key {EncryptionKeyRing.Format(id)}: it was altered or moved from another row; refusing to return it", e);
        }
        return Encoding.UTF8.GetString(clear);
    }

    /// <summary>The id of the key a stored value was encrypted with, or null for null.</summary>
    public static uint? KeyIdOf(byte[]? sealedValue) =>
        sealedValue is { Length: >= HeaderSize } ? BinaryPrimitives.ReadUInt32BigEndian(sealedValue.AsSpan(1, 4)) : null;
}
