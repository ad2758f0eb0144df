using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Takase.Routing.Tests.Replicas;

/// <summary>
/// A real OpenAI-compatible HTTP server on loopback standing in for one replica node: POST /v1/chat/completions
/// answers "from {name}" (whole, in OpenAI's shape), GET /api/queue reports <see cref="Load"/> as Takase does.
/// <see cref="Stop"/> closes its port, so later connections are refused as from a node that died.
/// </summary>
internal sealed class ReplicaServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _answered;

    public ReplicaServer(string name)
    {
        Name = name;
        // HttpListener cannot bind port 0: ask the OS for a free port first.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Name { get; }
    public int Port { get; }
    public Uri Endpoint => new($"http://127.0.0.1:{Port}/v1");
    /// <summary>Requests running + queued, as /api/queue reports them.</summary>
    public int Load { get; set; }
    /// <summary>Chat requests answered.</summary>
    public int Answered => Volatile.Read(ref _answered);

    public void Stop() => _listener.Close();

    public void Dispose() => Stop();

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Answer(context));
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        object body;
        if (path == "/api/queue")
            body = new { models = new[] { new { model = "m", running = Load, queued = 0, slots = 4 } } };
        else if (path == "/v1/chat/completions")
        {
            using (var reader = new StreamReader(context.Request.InputStream)) await reader.ReadToEndAsync();
            Interlocked.Increment(ref _answered);
            body = new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1,
                model = "m",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = $"from {Name}" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 1, completion_tokens = 2, total_tokens = 3 },
            };
        }
        else
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        try
        {
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopped mid-answer.
        }
    }
}
