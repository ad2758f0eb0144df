using System.Text;
using System.Text.Json.Nodes;
using Takase.Cli.Client;
using Takase.Engine.Generation;

namespace Takase.Cli.Commands;

/// <summary>
/// `takase run NAME`: the model is served by `takase serve`, so the prompt goes to /api/generate (or, in an
/// interactive session, the conversation to /api/chat) and the streamed answer is printed as it arrives.
/// </summary>
internal static class RemoteRun
{
    public static async Task<int> RunAsync(string model, string? prompt, GenerationOptions options, int? ctx, bool verbose, bool raw, CancellationToken cancel)
    {
        options.Validate();
        using var client = new ServerClient();
        var wire = Options(options, ctx);
        if (prompt is not null)
        {
            await PrintStream(client.StreamAsync("/api/generate", new { model, prompt, raw, options = wire }, cancel), "response", verbose);
            Console.WriteLine();
            return 0;
        }
        Console.Error.WriteLine("Chatting through the server. Type /bye to quit, /clear to forget the conversation.");
        var messages = new JsonArray();
        while (!cancel.IsCancellationRequested)
        {
            Console.Error.Write(">>> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() == "/bye") break;
            if (line.Trim() == "/clear") { messages.Clear(); continue; }
            if (line.Length == 0) continue;
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = line });
            var answer = await PrintStream(client.StreamAsync("/api/chat", new { model, messages = messages.DeepClone(), options = wire }, cancel), "message", verbose);
            Console.WriteLine();
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        }
        return 0;
    }

    private static async Task<string> PrintStream(IAsyncEnumerable<JsonNode> stream, string field, bool verbose)
    {
        var answer = new StringBuilder();
        await foreach (var chunk in stream)
        {
            var text = field == "message" ? (string?)chunk["message"]?["content"] : (string?)chunk["response"];
            if (!string.IsNullOrEmpty(text))
            {
                Console.Write(text);
                answer.Append(text);
            }
            if ((bool?)chunk["done"] == true)
            {
                Console.Out.Flush();
                static TimeSpan Ns(JsonNode? n) => TimeSpan.FromTicks(((long?)n ?? 0) / 100);
                RunCommand.PrintStats(verbose, Ns(chunk["total_duration"]), Ns(chunk["load_duration"]), (int?)chunk["prompt_eval_count"] ?? 0,
                    Ns(chunk["prompt_eval_duration"]), (int?)chunk["eval_count"] ?? 0, Ns(chunk["eval_duration"]));
            }
        }
        return answer.ToString();
    }

    private static JsonObject Options(GenerationOptions o, int? ctx)
    {
        var s = o.Sampling;
        var wire = new JsonObject
        {
            ["temperature"] = s.Temperature,
            ["top_k"] = s.TopK,
            ["top_p"] = s.TopP,
            ["min_p"] = s.MinP,
            ["repeat_penalty"] = s.RepeatPenalty,
            ["num_predict"] = o.MaxTokens,
        };
        if (s.Seed is { } seed) wire["seed"] = seed;
        if (ctx is { } c) wire["num_ctx"] = c;
        return wire;
    }
}
