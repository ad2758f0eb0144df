using System.Text;
using System.Text.Json.Nodes;
using Takase.Cli.Client;

namespace Takase.Cli.Commands;

/// <summary>
/// `takase run NAME`: the model is served by `takase serve`, so the prompt goes to /api/generate (or, in an
/// interactive session, the conversation to /api/chat) and the streamed answer is printed as it arrives. A model
/// the server does not have is pulled first, as `ollama run` does.
/// </summary>
internal static class RemoteRun
{
    /// <param name="model">The served model's name.</param>
    /// <param name="prompt">One prompt to answer, or null for an interactive session.</param>
    /// <param name="options">Only the options the user named (flags), typed as Ollama's API wants them; the model's
    /// own PARAMETERs apply to the rest.</param>
    /// <param name="verbose">Print speeds after each answer.</param>
    /// <param name="raw">Send the prompt without the chat template.</param>
    /// <param name="cancel">Stops the run.</param>
    public static async Task<int> RunAsync(string model, string? prompt, JsonObject options, bool verbose, bool raw, CancellationToken cancel)
    {
        using var client = new ServerClient();
        await EnsurePulledAsync(client, model, Console.Error, cancel);
        if (prompt is not null)
        {
            await PrintStreamAsync(client.StreamAsync("/api/generate", new { model, prompt, raw, options }, cancel), Console.Out, Console.Error, verbose);
            Console.WriteLine();
            return 0;
        }
        var state = new InteractiveState { Model = model, Options = options, Verbose = verbose };
        using var interrupt = new AnswerInterrupt(Console.Error);
        var session = new InteractiveSession(new InteractiveServerBackend(client), state, Console.In, Console.Out, Console.Error, interrupt);
        return await session.RunAsync(cancel);
    }

    /// <summary>
    /// Asks the server for <paramref name="model"/> and pulls it when the server says it is missing, printing the
    /// pull's progress to <paramref name="progress"/>. When the registry has no such model either, the server's own
    /// "not found" error (with its "did you mean" suggestions) is what the user sees.
    /// </summary>
    internal static async Task EnsurePulledAsync(ServerClient client, string model, TextWriter progress, CancellationToken cancel)
    {
        try
        {
            await client.PostAsync("/api/show", new { model }, cancel);
            return;
        }
        catch (ServerErrorException missing) when (missing.Status == 404)
        {
            try
            {
                await PrintPullProgressAsync(client.StreamAsync("/api/pull", new { model }, cancel), progress);
            }
            catch (ServerErrorException pull) when (pull.Status is 404 or 400 || pull.Message.Contains("does not exist", StringComparison.Ordinal))
            {
                throw new ServerErrorException(404, $"{missing.Message} (pulling it from the registry failed too: {pull.Message})");
            }
        }
    }

    /// <summary>Pull progress as lines: each status once, and each layer's size when it is complete.</summary>
    private static async Task PrintPullProgressAsync(IAsyncEnumerable<JsonNode> stream, TextWriter progress)
    {
        string? last = null;
        await foreach (var line in stream)
        {
            var status = (string?)line["status"] ?? "";
            if ((long?)line["total"] is { } total && total > 0)
            {
                if ((long?)line["completed"] != total) continue; // only the finished layer, not every chunk
                status = $"{status} 100% {Humanize.Bytes(total)}";
            }
            if (status == last) continue;
            progress.WriteLine(status);
            last = status;
        }
        progress.Flush();
    }

    /// <summary>Prints a /api/generate or /api/chat stream as it arrives; returns the whole answer.</summary>
    internal static async Task<string> PrintStreamAsync(IAsyncEnumerable<JsonNode> stream, TextWriter output, TextWriter error, bool verbose)
    {
        var answer = new StringBuilder();
        await foreach (var chunk in stream)
        {
            var text = (string?)chunk["message"]?["content"] ?? (string?)chunk["response"];
            if (!string.IsNullOrEmpty(text))
            {
                output.Write(text);
                output.Flush();
                answer.Append(text);
            }
            if ((bool?)chunk["done"] == true)
            {
                output.Flush();
                static TimeSpan Ns(JsonNode? n) => TimeSpan.FromTicks(((long?)n ?? 0) / 100);
                if (verbose)
                    RunCommand.PrintStats(error, Ns(chunk["total_duration"]), Ns(chunk["load_duration"]), (int?)chunk["prompt_eval_count"] ?? 0,
                        Ns(chunk["prompt_eval_duration"]), (int?)chunk["eval_count"] ?? 0, Ns(chunk["eval_duration"]));
            }
        }
        return answer.ToString();
    }
}
