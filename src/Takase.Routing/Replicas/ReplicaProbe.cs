using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Takase.Routing.Replicas;

/// <summary>A replica's load as read by a probe, or why it could not be read.</summary>
/// <param name="Load">Requests running plus waiting; null when the replica did not answer.</param>
/// <param name="Problem">What went wrong when <paramref name="Load"/> is null.</param>
public readonly record struct ProbeResult(int? Load, string? Problem);

/// <summary>
/// Asks a replica how busy it is, from the server root under its …/v1 endpoint: Takase's GET /api/queue (running +
/// queued of every loaded model), else Prometheus GET /metrics with the gauges Takase, vLLM and llama.cpp export.
/// A replica that answers neither with a load (Ollama, a plain OpenAI-compatible server, or a refusal of the key)
/// but is reachable counts as healthy with load 0; one that refuses the connection, times out or answers 5xx is down.
/// </summary>
public sealed class ReplicaProbe(HttpClient http, TimeSpan timeout)
{
    /// <summary>Gauges summed from /metrics: requests running and waiting, per server kind.</summary>
    public static readonly IReadOnlySet<string> LoadGauges = new HashSet<string>(StringComparer.Ordinal)
    {
        "takase_running_requests", "takase_queue_depth",
        "vllm:num_requests_running", "vllm:num_requests_waiting",
        "llamacpp:requests_processing", "llamacpp:requests_deferred",
    };

    /// <summary>
    /// Reads the load of the replica at <paramref name="endpoint"/>, sending <paramref name="apiKey"/> as a bearer
    /// token when given (a Takase node that requires keys answers /api/queue to clients); never throws for the
    /// replica's faults.
    /// </summary>
    public async Task<ProbeResult> ReadAsync(Uri endpoint, string? apiKey, CancellationToken cancel)
    {
        var root = RootOf(endpoint);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            using (var queue = await GetAsync(new Uri(root, "api/queue"), apiKey, limit.Token))
            {
                if (queue.StatusCode >= HttpStatusCode.InternalServerError) return new(null, $"GET {root}api/queue answered {(int)queue.StatusCode}");
                if (queue.IsSuccessStatusCode && ParseQueue(await queue.Content.ReadAsStringAsync(limit.Token)) is { } load) return new(load, null);
            }
            using var metrics = await GetAsync(new Uri(root, "metrics"), apiKey, limit.Token);
            if (metrics.StatusCode >= HttpStatusCode.InternalServerError) return new(null, $"GET {root}metrics answered {(int)metrics.StatusCode}");
            return new(metrics.IsSuccessStatusCode ? ParseMetrics(await metrics.Content.ReadAsStringAsync(limit.Token)) ?? 0 : 0, null);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new(null, $"{root} did not answer a probe within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new(null, $"{root} is unreachable: {e.Message}");
        }
    }

    private Task<HttpResponseMessage> GetAsync(Uri uri, string? apiKey, CancellationToken cancel)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new("Bearer", apiKey);
        return http.SendAsync(request, cancel);
    }

    /// <summary>The server root of an OpenAI-compatible endpoint: http://host:port/v1 → http://host:port/.</summary>
    public static Uri RootOf(Uri endpoint)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) path = path[..^3];
        return new Uri(endpoint, path + "/");
    }

    /// <summary>Running + queued summed over the models of a /api/queue answer; null when it is not one.</summary>
    public static int? ParseQueue(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("models", out var models)
                || models.ValueKind != JsonValueKind.Array) return null;
            var load = 0;
            foreach (var m in models.EnumerateArray())
            {
                if (m.TryGetProperty("running", out var r) && r.TryGetInt32(out var running)) load += running;
                if (m.TryGetProperty("queued", out var q) && q.TryGetInt32(out var queued)) load += queued;
            }
            return load;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The <see cref="LoadGauges"/> summed from a Prometheus text exposition; null when it has none of them.</summary>
    public static int? ParseMetrics(string text)
    {
        double total = 0;
        var found = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0 || !LoadGauges.Contains(line[..nameEnd])) continue;
            // The value follows the labels (which may hold spaces inside quotes): the last field after '}'.
            var rest = line[(line[nameEnd] == '{' ? line.LastIndexOf('}') + 1 : nameEnd)..].Trim();
            var value = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
            {
                total += v;
                found = true;
            }
        }
        return found ? (int)Math.Round(total) : null;
    }
}
