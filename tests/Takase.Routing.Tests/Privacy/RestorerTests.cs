using System.Text;
using System.Text.Json;
using Takase.Routing.Privacy;
using Takase.Routing.Privacy.Redaction;

namespace Takase.Routing.Tests.Privacy;

public class RestorerTests
{
    private static PiiPlaceholderMap MapOf(params (PiiEntityType Type, string Value)[] values)
    {
        var map = new PiiPlaceholderMap();
        foreach (var (type, value) in values) map.PlaceholderFor(type, value);
        return map;
    }

    private static readonly PiiPlaceholderMap Map = MapOf(
        (PiiEntityType.Person, "山田太郎"), (PiiEntityType.Email, "taro@example.jp"), (PiiEntityType.Phone, "090-1234-5678"),
        (PiiEntityType.Email, "x1@example.com"), (PiiEntityType.Email, "x2@example.com"), (PiiEntityType.Email, "x3@example.com"),
        (PiiEntityType.Email, "x4@example.com"), (PiiEntityType.Email, "x5@example.com"), (PiiEntityType.Email, "x6@example.com"),
        (PiiEntityType.Email, "x7@example.com"), (PiiEntityType.Email, "x8@example.com"), (PiiEntityType.Email, "x9@example.com"));

    // <EMAIL_1> is a prefix of <EMAIL_10>; "<" and "<EM" appear without being placeholders.
    private const string Answer = "<PERSON_1>様 (a<b), <EMAIL_1> / <EMAIL_10> と <PHONE_1>。<EM<PHONE_1><EMAIL_1";
    private const string Expected = "山田太郎様 (a<b), taro@example.jp / x9@example.com と 090-1234-5678。<EM090-1234-5678<EMAIL_1";

    private static string Stream(PiiStreamRestorer restorer, IEnumerable<string> chunks)
    {
        var output = new StringBuilder();
        foreach (var chunk in chunks) output.Append(restorer.Push(chunk));
        return output.Append(restorer.Flush()).ToString();
    }

    [Fact]
    public void WholeAnswer() => Assert.Equal(Expected, new PiiRestorer(Map).Restore(Answer));

    [Fact]
    public void EveryTwoAndThreeChunkSplit()
    {
        var restorer = new PiiRestorer(Map);
        for (var i = 0; i <= Answer.Length; i++)
        {
            Assert.Equal(Expected, Stream(restorer.Stream(), [Answer[..i], Answer[i..]]));
            for (var j = i; j <= Answer.Length; j++)
                Assert.Equal(Expected, Stream(restorer.Stream(), [Answer[..i], Answer[i..j], Answer[j..]]));
        }
    }

    [Fact]
    public void OnlyAPossiblePlaceholderIsHeldBack()
    {
        var stream = new PiiRestorer(Map).Stream();
        Assert.Equal("Hi ", stream.Push("Hi "));
        Assert.Equal("", stream.Push("<PERS"));
        Assert.Equal("", stream.Push("ON_1"));
        Assert.Equal("山田太郎!", stream.Push(">!"));
        Assert.Equal("a <b", stream.Push("a <b")); // "<b" cannot become a placeholder
        Assert.Equal(" ", stream.Push(" <EMAIL_1"));
        Assert.Equal("<EMAIL_1", stream.Flush()); // the stream ended inside it: sent as it was
    }

    [Fact]
    public void ToolCallArgumentsAreRestoredWithJsonEscaping()
    {
        var map = MapOf((PiiEntityType.Person, "O\"Brien \\ 太郎"), (PiiEntityType.Email, "a@example.com"));
        var restorer = new PiiRestorer(map);
        const string arguments = "{\"to\":\"<EMAIL_1>\",\"name\":\"<PERSON_1>\",\"note\":\"\\u003CPERSON_1\\u003E says hi\"}";
        var restored = restorer.RestoreJson(arguments);
        using var doc = JsonDocument.Parse(restored);
        Assert.Equal("a@example.com", doc.RootElement.GetProperty("to").GetString());
        Assert.Equal("O\"Brien \\ 太郎", doc.RootElement.GetProperty("name").GetString());
        Assert.Equal("O\"Brien \\ 太郎 says hi", doc.RootElement.GetProperty("note").GetString());

        // Streamed argument deltas, split at every point, give the same JSON.
        for (var i = 0; i <= arguments.Length; i++)
            for (var j = i; j <= arguments.Length; j += 3)
                Assert.Equal(restored, Stream(restorer.Stream(json: true), [arguments[..i], arguments[i..j], arguments[j..]]));
    }
}
