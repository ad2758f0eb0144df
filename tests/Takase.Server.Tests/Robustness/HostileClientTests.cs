using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Robustness;

/// <summary>
/// Slow-loris clients and a full queue: the server answers or cuts them off within its limits, never hangs or
/// crashes, and other clients keep being served meanwhile. Each test runs its own server with short limits.
/// </summary>
public sealed class HostileClientTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private WebApplication? _app;
    private HttpClient _http = null!;
    private Uri _base = null!;

    public async ValueTask InitializeAsync()
    {
        if (SharedData.RootOrNull is not null)
            File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
        _app = TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = _dir.Path;
            o.ParallelSlots = 1;
            o.MaxQueue = 0;
            o.RequestHeadersTimeout = TimeSpan.FromSeconds(2);
            o.MinBodyRateGracePeriod = TimeSpan.FromSeconds(2);
        });
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
        _http = new HttpClient { BaseAddress = _base, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(TcpClient Client, NetworkStream Stream)> Connect()
    {
        var client = new TcpClient();
        await client.ConnectAsync(_base.Host, _base.Port);
        return (client, client.GetStream());
    }

    /// <summary>Reads until the server closes the connection; returns what it sent and how long that took.</summary>
    private static async Task<(string Reply, TimeSpan Elapsed)> ReadUntilClosed(NetworkStream stream, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0) reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        catch (IOException) { } // reset by the server: also a cut-off
        return (reply.ToString(), clock.Elapsed);
    }

    [Fact]
    public async Task HeadersThatNeverFinishAreCutOffWhileOthersAreServed()
    {
        var (client, stream) = await Connect();
        using var _ = client;
        await stream.WriteAsync("GET /api/version HTTP/1.1\r\nHost: x\r\nX-Slow: "u8.ToArray());
        var reading = ReadUntilClosed(stream, TimeSpan.FromSeconds(20));

        var other = await _http.GetStringAsync("/api/version"); // served while the slow client hangs on
        Assert.Contains("version", other);

        var (reply, elapsed) = await reading;
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"the slow client held its connection for {elapsed}");
        Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), reply);
    }

    [Fact]
    public async Task ABodyTrickledBelowTheMinimumRateIsCutOff()
    {
        var (client, stream) = await Connect();
        using var _ = client;
        await stream.WriteAsync("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"u8.ToArray());
        var clock = Stopwatch.StartNew();
        var cut = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && !cut)
        {
            try
            {
                await stream.WriteAsync(" "u8.ToArray());
                await Task.Delay(200);
                if (client.Client.Poll(0, SelectMode.SelectRead) && client.Available == 0) cut = true; // closed by the server
                else if (client.Available > 0)
                {
                    var (reply, _) = await ReadUntilClosed(stream, TimeSpan.FromSeconds(5));
                    Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 408", StringComparison.Ordinal) || reply.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), reply);
                    cut = true;
                }
            }
            catch (IOException) { cut = true; }
        }
        Assert.True(cut, "a body trickling at 5 bytes/s was still accepted after 20 s");
        Assert.Contains("version", await _http.GetStringAsync("/api/version"));
    }

    [Fact]
    public async Task AFullQueueAnswers503WithRetryAfter()
    {
        Assert.NotNull(SharedData.Path("models/stories260K.gguf"));
        // One slot, no queue: an answer that cannot end by itself (end token banned, no limit) holds the slot.
        using var hold = new CancellationTokenSource();
        var endless = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = "stories260K", prompt = "Once upon a time", max_tokens = 1_000_000, stream = true, logit_bias = new Dictionary<string, int> { ["2"] = -100 } }),
        };
        var running = await _http.SendAsync(endless, HttpCompletionOption.ResponseHeadersRead, hold.Token);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);

        var refused = await _http.PostAsJsonAsync("/api/generate", new { model = "stories260K", prompt = "hi", stream = false });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("busy", await refused.Content.ReadAsStringAsync());

        hold.Cancel();
        running.Dispose();
        // Once the holder is gone, the model serves again.
        for (var i = 0; i < 100; i++)
        {
            var again = await _http.PostAsJsonAsync("/api/generate", new { model = "stories260K", prompt = "hi", stream = false, options = new { num_predict = 2 } });
            if (again.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(50);
        }
        Assert.Fail("the model stayed busy after the holding client went away");
    }
}
