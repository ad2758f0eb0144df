using System.Net;
using System.Text.Json;

namespace Takase.Server.Tests.Support;

/// <summary>The API tests' way to read an answer: its status checked first, so a failure shows the server's own message.</summary>
public static class ResponseJson
{
    /// <summary>The JSON body of <paramref name="response"/>, asserting its status is <paramref name="expected"/>.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
