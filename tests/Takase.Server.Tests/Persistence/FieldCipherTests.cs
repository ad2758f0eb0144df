using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;

namespace Takase.Server.Tests.Persistence;

/// <summary>The AES-GCM envelope on its own: round trip, binding to its place, and clear refusals.</summary>
public sealed class FieldCipherTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
    private readonly FieldCipher _cipher = new(new EncryptionKeyRing(Key));

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("電話番号は090-1234-5678です 🙂")]
    public void Text_round_trips_and_each_encryption_differs(string text)
    {
        var a = _cipher.Encrypt(text, "t.c:1")!;
        var b = _cipher.Encrypt(text, "t.c:1")!;
        Assert.NotEqual(a, b); // fresh nonce each time
        Assert.Equal(text, _cipher.Decrypt(a, "t.c:1"));
        Assert.Equal(1 + 4 + 12 + 16 + System.Text.Encoding.UTF8.GetByteCount(text), a.Length);
    }

    [Fact]
    public void Null_stays_null() => Assert.Null(_cipher.Decrypt(_cipher.Encrypt(null, "t.c:1"), "t.c:1"));

    [Fact]
    public void A_value_read_at_another_place_is_refused()
    {
        var sealedValue = _cipher.Encrypt("x", "feedback.comment:fb_1");
        var e = Assert.Throws<StoredDataException>(() => _cipher.Decrypt(sealedValue, "feedback.comment:fb_2"));
        Assert.Contains("fb_2", e.Message);
    }

    [Fact]
    public void Truncated_or_foreign_values_are_refused_not_decoded()
    {
        Assert.Throws<StoredDataException>(() => _cipher.Decrypt([1, 2, 3], "t.c:1"));
        var other = _cipher.Encrypt("x", "t.c:1")!;
        other[0] = 9;
        Assert.Contains("version 9", Assert.Throws<StoredDataException>(() => _cipher.Decrypt(other, "t.c:1")).Message);
    }

    [Fact]
    public void A_key_id_is_stable_and_does_not_depend_on_which_ring_holds_the_key()
    {
        var other = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.Equal(EncryptionKeyRing.IdOf(Key), new EncryptionKeyRing(other, [Key]).Ids.Last());
        Assert.NotEqual(EncryptionKeyRing.IdOf(Key), EncryptionKeyRing.IdOf(other));
    }
}
