using System.Diagnostics;
using System.Runtime.CompilerServices;
using Takase.Engine.Generation;
using Takase.Engine.Scheduling;
using Takase.Server.Models;

namespace Takase.Server.Inference;

/// <summary>
/// One answer being generated for an API request: read <see cref="ReadAsync"/> for the streamed pieces (answer text
/// and, for thinking models, reasoning), then <see cref="Result"/>. Tool calls are held back while they are being
/// written and reported whole in the result. Disposing the session releases the model (keep_alive starts then).
/// </summary>
public sealed class InferenceSession : IAnswerSession
{
    private readonly ModelLease _lease;
    private readonly GenerationJob _job;
    private readonly Stopwatch _clock;
    private readonly ThinkingSplitter? _thinking;
    private readonly IReadOnlySet<string>? _toolNames;
    private readonly List<int> _tokens;

    internal InferenceSession(ModelLease lease, GenerationJob job, Stopwatch clock, IReadOnlyList<int> prompt,
        ThinkingSplitter? thinking, IReadOnlySet<string>? toolNames)
    {
        _lease = lease;
        _job = job;
        _clock = clock;
        _thinking = thinking;
        _toolNames = toolNames;
        _tokens = [.. prompt];
        PromptTokens = prompt.Count;
    }

    /// <summary>The model's full name.</summary>
    public string ModelName => _lease.Model.Entry.Name;
    /// <summary>Requests ahead of this one (0 once it runs).</summary>
    public int QueuePosition => _job.QueuePosition;
    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens { get; }
    /// <summary>Set once <see cref="ReadAsync"/> has finished.</summary>
    public InferenceResult? Result { get; private set; }

    /// <summary>Streams the answer. Errors of the generation (e.g. the context filled up) are thrown here.</summary>
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        var tools = _toolNames is null ? null : new ToolCallDetector(_toolNames);
        var logprobs = new List<TokenLogprobEntry>();
        var tokenizer = _lease.Model.Model.Tokenizer;
        GenerationStats? done = null;

        await foreach (var e in _job.Events.ReadAllAsync(cancel))
        {
            if (e.Error is not null) throw e.Error;
            if (e.Token >= 0)
            {
                _tokens.Add(e.Token);
                if (e.Logprob is { } lp) logprobs.Add(new TokenLogprobEntry(tokenizer.Decode([e.Token]), lp, e.TopLogprobs ?? []));
            }
            done ??= e.Done;
            var (thinking, content) = _thinking?.Append(e.Text) ?? ("", e.Text);
            if (e.Done is not null && _thinking is not null)
            {
                var (t, c) = _thinking.Flush();
                thinking += t;
                content += c;
            }
            if (tools is not null) content = tools.Append(content);
            if (thinking.Length > 0 || content.Length > 0 || logprobs.Count > 0)
            {
                yield return new InferenceChunk { Content = content, Thinking = thinking, Logprobs = logprobs.Count > 0 ? [.. logprobs] : null };
                logprobs.Clear();
            }
        }

        IReadOnlyList<ToolCall> calls = [];
        if (tools is not null)
        {
            var (found, text) = tools.Finish();
            calls = found;
            if (text.Length > 0) yield return new InferenceChunk { Content = text };
        }
        var stats = done ?? new GenerationStats { DoneReason = DoneReason.Cancelled };
        Result = new InferenceResult
        {
            Reason = stats.DoneReason,
            Stats = stats,
            LoadDuration = _lease.LoadDuration,
            TotalDuration = _clock.Elapsed,
            ToolCalls = calls,
            Context = _tokens,
            Seed = _job.Seed,
        };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _lease.Dispose();
        return ValueTask.CompletedTask;
    }
}
