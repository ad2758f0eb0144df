using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Engine.Generation;
using Takase.Server.Hosting;
using Takase.Server.Inference;
using Takase.Server.Metrics;

namespace Takase.Server.Ollama;

/// <summary>What a finished answer amounts to, for the route's last object.</summary>
/// <param name="Content">All answer text.</param>
/// <param name="Thinking">All reasoning text.</param>
/// <param name="Logprobs">All token log-probabilities, when asked for.</param>
/// <param name="Result">Why it ended, counts and timings, tool calls, context.</param>
/// <param name="Writer">The stream's writer (null when the route answers with one object).</param>
public sealed record Answer(string Content, string Thinking, IReadOnlyList<OllamaLogprob>? Logprobs, InferenceResult Result, NdjsonWriter? Writer)
{
    /// <summary>Writes the route's last object: one more NDJSON line, or the whole JSON body.</summary>
    public Task FinishAsync<T>(HttpContext http, T final) =>
        Writer is not null ? Writer.WriteAsync(final, http.RequestAborted) : OllamaJson.WriteAsync(http.Response, final);
}

/// <summary>
/// Reads an <see cref="IAnswerSession"/> to its end for /api/generate and /api/chat: streamed, each piece becomes
/// an NDJSON line at once; not streamed, the pieces are gathered. Errors before the first line propagate (so they get
/// their HTTP status); errors after it end the stream with an {"error"} line. A client that goes away cancels the
/// generation through the request's abort token, which the session was started with.
/// </summary>
public static class AnswerStream
{
    /// <summary>
    /// Runs the session; returns null when the answer ended early (client gone, or an error already reported in
    /// the stream). <paramref name="shape"/> turns a piece into the route's chunk object.
    /// </summary>
    public static async Task<Answer?> RunAsync<TChunk>(HttpContext http, IAnswerSession session, bool stream,
        Func<InferenceChunk, IReadOnlyList<OllamaLogprob>?, TChunk> shape, long startedTimestamp)
    {
        var aborted = http.RequestAborted;
        var metrics = http.RequestServices.GetService<TakaseMetrics>();
        var writer = stream ? new NdjsonWriter(http.Response) : null;
        var content = new StringBuilder();
        var thinking = new StringBuilder();
        List<OllamaLogprob>? logprobs = null;
        var first = true;
        try
        {
            await foreach (var chunk in session.ReadAsync(aborted))
            {
                if (first && (chunk.Content.Length > 0 || chunk.Thinking.Length > 0))
                {
                    metrics?.RecordTimeToFirstToken(session.ModelName, Stopwatch.GetElapsedTime(startedTimestamp));
                    first = false;
                }
                var lp = LogprobsOf(chunk.Logprobs);
                if (writer is not null)
                {
                    await writer.WriteAsync(shape(chunk, lp), aborted);
                    continue;
                }
                content.Append(chunk.Content);
                thinking.Append(chunk.Thinking);
                if (lp is not null) (logprobs ??= []).AddRange(lp);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (writer is { Started: true })
        {
            await writer.WriteErrorAsync(MessageFor(http, e), aborted);
            return null;
        }
        var result = session.Result ?? throw new InvalidOperationException("the inference session ended without a result");
        metrics?.RecordTokens(session.ModelName, result.Stats.PromptTokens, result.Stats.GeneratedTokens);
        return new Answer(content.ToString(), thinking.ToString(), logprobs, result, writer);
    }

    /// <summary>Ollama's done_reason for an engine stop reason.</summary>
    public static string DoneReasonOf(DoneReason reason) => reason switch
    {
        DoneReason.Length => "length",
        DoneReason.Cancelled => "cancelled",
        _ => "stop",
    };

    /// <summary>A TimeSpan in nanoseconds, Go's time.Duration unit.</summary>
    public static long Nanoseconds(TimeSpan t) => t.Ticks * 100;

    /// <summary>Log-probabilities in Ollama's shape; null when none were asked for.</summary>
    public static IReadOnlyList<OllamaLogprob>? LogprobsOf(IReadOnlyList<TokenLogprobEntry>? entries) =>
        entries is not { Count: > 0 } ? null : entries.Select(e => new OllamaLogprob
        {
            Token = e.Token,
            Logprob = Finite(e.Logprob),
            TopLogprobs = e.TopLogprobs.Count == 0 ? null : e.TopLogprobs.Select(t => new OllamaTokenLogprob(t.Text, Finite(t.Logprob))).ToList(),
        }).ToList();

    // JSON has no infinity; a token the sampler banned gets the most negative number instead.
    private static double Finite(float logprob) => float.IsFinite(logprob) ? logprob : double.MinValue;

    /// <summary>The message for an error that reaches the client mid-stream; server faults are logged, not shown.</summary>
    private static string MessageFor(HttpContext http, Exception e)
    {
        if (ApiErrors.StatusFor(e) is not null) return e.Message;
        http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Takase.Server.Ollama")
            .LogError(e, "error while streaming {Path}", http.Request.Path);
        return "internal server error; see the server log";
    }
}
