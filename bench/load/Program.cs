using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Bench.Load;

// takase-load: N concurrent streaming clients against an OpenAI-compatible /v1/chat/completions for T seconds.
// Each client loops: send a chat request with stream=true and a small max_tokens, read the SSE stream to [DONE].
// See README.md for how to run it and what each number means.

var settings = LoadSettings.Parse(args);
if (settings is null) return 2;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = settings.Url,
    Timeout = TimeSpan.FromMinutes(5),
};
var stats = new LoadStats();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(settings.Seconds));
using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(settings.Seconds + settings.GraceSeconds));
var memory = settings.Pid is { } pid ? new RssSampler(pid) : null;
var sampling = memory?.RunAsync(abort.Token);

Console.WriteLine($"{settings.Clients} streaming clients, {settings.Seconds} s, model {settings.Model}, max_tokens {settings.MaxTokens}, against {settings.Url}");
var clock = Stopwatch.StartNew();
var clients = Enumerable.Range(0, settings.Clients).Select(i => Task.Run(() => ClientLoopAsync(i))).ToArray();
await Task.WhenAll(clients);
var elapsed = clock.Elapsed;
await abort.CancelAsync();
if (sampling is not null) await sampling;

stats.Print(elapsed, memory);
return 0;

async Task ClientLoopAsync(int client)
{
    var prompts = new[] { "Once upon a time", "Tom and Lily went to the park.", "The little dog was sad.", "One day, a bird" };
    for (var n = 0; !stop.IsCancellationRequested; n++)
    {
        var body = JsonSerializer.Serialize(new
        {
            model = settings.Model,
            messages = new[] { new { role = "user", content = prompts[(client + n) % prompts.Length] } },
            max_tokens = settings.MaxTokens,
            temperature = 0.8,
            stream = true,
            stream_options = new { include_usage = true },
        });
        // Requests started before the deadline run to their end (or until the grace period is over).
        await RunOneAsync(body, abort.Token);
    }
}

async Task RunOneAsync(string body, CancellationToken cancel)
{
    var started = Stopwatch.GetTimestamp();
    try
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            stats.Failed($"HTTP {(int)response.StatusCode}");
            return;
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        TimeSpan? firstToken = null;
        var tokens = -1;
        var done = false;
        var finished = false;
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line.AsSpan(6);
            if (data.SequenceEqual("[DONE]")) { done = true; break; }
            using var json = JsonDocument.Parse(line[6..]);
            var root = json.RootElement;
            if (root.TryGetProperty("error", out _)) break;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                tokens = usage.GetProperty("completion_tokens").GetInt32();
            foreach (var choice in root.GetProperty("choices").EnumerateArray())
            {
                if (firstToken is null && choice.GetProperty("delta").TryGetProperty("content", out var c) && c.GetString() is { Length: > 0 })
                    firstToken = Stopwatch.GetElapsedTime(started);
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String) finished = true;
            }
        }
        if (done && finished && tokens >= 0) stats.Completed(firstToken, Stopwatch.GetElapsedTime(started), tokens);
        else stats.Incomplete();
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        stats.Incomplete(); // still running when the grace period ended
    }
    catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
    {
        stats.Failed(e.GetType().Name);
    }
}
