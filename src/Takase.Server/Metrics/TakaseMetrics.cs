using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Takase.Server.Models;

namespace Takase.Server.Metrics;

/// <summary>
/// The server's Prometheus metrics (GET /metrics): HTTP requests by route, method and status with their durations,
/// prompt and generated tokens and time to first token by model, and — read from the model manager at scrape
/// time — loaded models and each model's running and queued requests. Routes are the endpoint patterns
/// ("/api/blobs/{digest}"), never raw paths, so a client cannot grow the label set without bound.
/// </summary>
public sealed class TakaseMetrics
{
    /// <summary>Bucket bounds in seconds for request durations and time to first token.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly ConcurrentDictionary<(string Route, string Method, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _durations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _firstToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _promptTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generatedTokens = new(StringComparer.Ordinal);
    private readonly ModelManager? _models;

    /// <summary>Creates the registry; <paramref name="models"/> supplies the gauges (none without it).</summary>
    public TakaseMetrics(ModelManager? models = null) => _models = models;

    /// <summary>Counts an answered request and its duration.</summary>
    public void RecordRequest(string route, string method, int status, TimeSpan duration)
    {
        _requests.AddOrUpdate((route, method, status), 1, (_, n) => n + 1);
        _durations.GetOrAdd(route, _ => new Histogram(LatencyBuckets)).Observe(duration.TotalSeconds);
    }

    /// <summary>Records how long a generation took to send its first text.</summary>
    public void RecordTimeToFirstToken(string model, TimeSpan elapsed) =>
        _firstToken.GetOrAdd(model, _ => new Histogram(LatencyBuckets)).Observe(elapsed.TotalSeconds);

    /// <summary>Adds a finished generation's token counts.</summary>
    public void RecordTokens(string model, int promptTokens, int generatedTokens)
    {
        _promptTokens.AddOrUpdate(model, promptTokens, (_, n) => n + promptTokens);
        _generatedTokens.AddOrUpdate(model, generatedTokens, (_, n) => n + generatedTokens);
    }

    /// <summary>Everything in the Prometheus text exposition format (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        Header(text, "takase_http_requests_total", "counter", "HTTP requests answered, by route pattern, method and status.");
        foreach (var ((route, method, status), n) in _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Method).ThenBy(r => r.Key.Status))
            Sample(text, "takase_http_requests_total", [("route", route), ("method", method), ("status", status.ToString(CultureInfo.InvariantCulture))], n);

        Histograms(text, "takase_http_request_duration_seconds", "Time from request to the end of the answer, by route pattern.", "route", _durations);
        Histograms(text, "takase_time_to_first_token_seconds", "Time from request to the first generated text, by model.", "model", _firstToken);

        Header(text, "takase_prompt_tokens_total", "counter", "Prompt tokens evaluated (prefix-cache hits excluded), by model.");
        foreach (var (model, n) in _promptTokens.OrderBy(p => p.Key, StringComparer.Ordinal))
            Sample(text, "takase_prompt_tokens_total", [("model", model)], n);
        Header(text, "takase_generated_tokens_total", "counter", "Tokens generated, by model.");
        foreach (var (model, n) in _generatedTokens.OrderBy(p => p.Key, StringComparer.Ordinal))
            Sample(text, "takase_generated_tokens_total", [("model", model)], n);

        var loaded = _models?.Loaded ?? [];
        Header(text, "takase_loaded_models", "gauge", "Models in memory.");
        Sample(text, "takase_loaded_models", [], loaded.Count);
        Header(text, "takase_running_requests", "gauge", "Requests generating now, by model.");
        foreach (var m in loaded.OrderBy(m => m.Entry.Name, StringComparer.Ordinal))
            Sample(text, "takase_running_requests", [("model", m.Entry.Name)], m.Scheduler.Running);
        Header(text, "takase_queue_depth", "gauge", "Requests waiting for a slot, by model.");
        foreach (var m in loaded.OrderBy(m => m.Entry.Name, StringComparer.Ordinal))
            Sample(text, "takase_queue_depth", [("model", m.Entry.Name)], m.Scheduler.QueueDepth);
        Header(text, "takase_loaded_model_bytes", "gauge", "Estimated memory of each loaded model (weights and KV caches).");
        foreach (var m in loaded.OrderBy(m => m.Entry.Name, StringComparer.Ordinal))
            Sample(text, "takase_loaded_model_bytes", [("model", m.Entry.Name)], m.SizeBytes);
        return text.ToString();
    }

    private static void Histograms(StringBuilder text, string name, string help, string label, ConcurrentDictionary<string, Histogram> series)
    {
        Header(text, name, "histogram", help);
        foreach (var (key, histogram) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var (cumulative, count, sum) = histogram.Snapshot();
            for (var i = 0; i < cumulative.Length; i++)
                Sample(text, name + "_bucket", [(label, key), ("le", Number(histogram.Bounds[i]))], cumulative[i]);
            Sample(text, name + "_bucket", [(label, key), ("le", "+Inf")], count);
            Sample(text, name + "_sum", [(label, key)], sum);
            Sample(text, name + "_count", [(label, key)], count);
        }
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, (string Name, string Value)[] labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) text.Append(',');
                text.Append(labels[i].Name).Append("=\"").Append(Escape(labels[i].Value)).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    // Label values escape backslash, double quote and line feed (the exposition format's rules).
    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
