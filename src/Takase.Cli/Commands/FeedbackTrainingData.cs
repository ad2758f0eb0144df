using System.Text;
using System.Text.Json;
using Takase.Cli.Client;
using Takase.Routing.Data;

namespace Takase.Cli.Commands;

/// <summary>
/// The stored feedback of a running server as router training data (<c>takase router train --feedback</c>): fetched
/// from GET /api/feedback/routing.jsonl (with TAKASE_API_KEY when the server requires keys) and mixed with a labelled
/// dataset, each feedback prompt counting <c>--feedback-weight</c> times.
/// </summary>
internal static class FeedbackTrainingData
{
    /// <summary>The server's feedback as routing JSONL.</summary>
    /// <exception cref="ServerUnavailableException">nothing answers at the address.</exception>
    /// <exception cref="ServerErrorException">the server refused (401/403: the key) or failed.</exception>
    public static async Task<(string Jsonl, Uri Source)> FetchAsync(string? server, CancellationToken cancel)
    {
        using var client = new ServerClient(server); // resolves TAKASE_HOST / OLLAMA_HOST and the loopback rule
        var url = new Uri(client.BaseAddress, "/api/feedback/routing.jsonl");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (Environment.GetEnvironmentVariable(ServerClient.ApiKeyVariable) is { Length: > 0 } key)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new ServerUnavailableException(client.BaseAddress, e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            if (!response.IsSuccessStatusCode)
            {
                string? message = null;
                try { message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(); }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
                throw new ServerErrorException((int)response.StatusCode, message ?? $"GET {url} answered {(int)response.StatusCode}");
            }
            return (text, url);
        }
    }

    /// <summary>
    /// <paramref name="data"/> (if any) plus the feedback prompts that score both models of the pair, each repeated
    /// <paramref name="weight"/> times. The pair is the dataset's, else --weak/--strong (feedback names targets, and
    /// a prompt may score others: the human desk, a third model).
    /// </summary>
    /// <exception cref="ArgumentException">no pair is known, the weight is below 1, or no row is left to train on.</exception>
    public static RoutingDataset Mix(RoutingDataset? data, string jsonl, string source, string? weak, string? strong, int weight, out int used, out int skipped)
    {
        if (weight < 1) throw new ArgumentException($"--feedback-weight must be a whole number ≥ 1, not {weight}");
        weak = data?.Weak ?? weak;
        strong = data?.Strong ?? strong;
        if (weak is null || strong is null)
            throw new ArgumentException("training on feedback alone needs --weak and --strong: the target names in the feedback (e.g. --weak local --strong gpt)");

        var kept = new StringBuilder();
        used = skipped = 0;
        foreach (var line in jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("scores", out var scores) && scores.ValueKind == JsonValueKind.Object
                && scores.TryGetProperty(weak, out _) && scores.TryGetProperty(strong, out _))
            {
                kept.Append(line).Append('\n');
                used++;
            }
            else skipped++;
        }
        var examples = new List<RoutingExample>(data?.Examples ?? []);
        if (used > 0)
        {
            var feedback = RoutingDataset.Parse(new StringReader(kept.ToString()), source, new RoutingDatasetOptions { Weak = weak, Strong = strong });
            foreach (var e in feedback.Examples)
                for (var k = 0; k < weight; k++)
                    examples.Add(e with { Id = weight == 1 ? $"feedback:{e.Id}" : $"feedback:{e.Id}#{k + 1}" });
        }
        if (examples.Count == 0)
            throw new ArgumentException($"{source}: no feedback prompt scores both '{weak}' and '{strong}' ({skipped} scored other targets); nothing to train on");
        var name = data is null ? source : $"{data.Source} + {source}";
        return RoutingDataset.FromExamples(name, weak, strong, examples);
    }
}
