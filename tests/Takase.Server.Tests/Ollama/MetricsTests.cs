using System.Globalization;
using System.Text.RegularExpressions;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

[Collection("server")]
public partial class MetricsTests(LiveServer server)
{
    [Fact]
    public async Task MetricsFollowThePrometheusTextFormatAndCountWhatHappened()
    {
        server.RequireModels();
        var before = await ScrapeAsync();
        var answer = await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = $"Once upon a time {Guid.NewGuid():N}", stream = false, options = new { num_predict = 5 } });
        await PostAsync(server.Http, "/api/generate", new { model = "no-such-model", prompt = "x" });
        var after = await ScrapeAsync();

        const string ok = "takase_http_requests_total{route=\"/api/generate\",method=\"POST\",status=\"200\"}";
        const string missing = "takase_http_requests_total{route=\"/api/generate\",method=\"POST\",status=\"404\"}";
        Assert.Equal(Value(before, ok) + 1, Value(after, ok));
        Assert.Equal(Value(before, missing) + 1, Value(after, missing));
        const string generated = "takase_generated_tokens_total{model=\"stories260K:latest\"}";
        Assert.Equal(Value(before, generated) + answer.GetProperty("eval_count").GetInt32(), Value(after, generated));
        const string prompt = "takase_prompt_tokens_total{model=\"stories260K:latest\"}";
        Assert.Equal(Value(before, prompt) + answer.GetProperty("prompt_eval_count").GetInt32(), Value(after, prompt));
        const string firstToken = "takase_time_to_first_token_seconds_count{model=\"stories260K:latest\"}";
        Assert.Equal(Value(before, firstToken) + 1, Value(after, firstToken));
        Assert.True(Value(after, "takase_loaded_models") >= 1);
        Assert.Equal(0, Value(after, "takase_queue_depth{model=\"stories260K:latest\"}"));
        Assert.Equal(0, Value(after, "takase_running_requests{model=\"stories260K:latest\"}"));
    }

    [Fact]
    public async Task HistogramsAreCumulativeAndEndWithTheCount()
    {
        server.RequireModels();
        await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once", stream = false, options = new { num_predict = 1 } });
        var metrics = await ScrapeAsync();
        var buckets = metrics.Where(m => m.Key.StartsWith("takase_http_request_duration_seconds_bucket{route=\"/api/generate\"", StringComparison.Ordinal)).ToList();
        Assert.True(buckets.Count > 2);
        var values = buckets.Select(b => b.Value).ToList();
        Assert.Equal(values.Order(), values); // cumulative: never decreasing
        Assert.EndsWith("le=\"+Inf\"}", buckets[^1].Key);
        Assert.Equal(values[^1], metrics["takase_http_request_duration_seconds_count{route=\"/api/generate\"}"]);
    }

    // Reads every sample, checking each line is a comment (# HELP / # TYPE) or "name{labels} value".
    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var response = await server.Http.GetAsync("/metrics", Cancel);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.EndsWith("\n", text);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) { typed.Add(line.Split(' ')[2]); continue; }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            Assert.Contains(typed, t => m.Groups["name"].Value == t || m.Groups["name"].Value.StartsWith(t + "_", StringComparison.Ordinal));
            samples.Add(m.Groups["series"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    private static double Value(Dictionary<string, double> samples, string series) => samples.GetValueOrDefault(series);

    [GeneratedRegex("""^(?<series>(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?) (?<value>[-+0-9.eE]+|\+Inf|NaN)$""")]
    private static partial Regex SampleLine();
}
