using System.Runtime.CompilerServices;
using Takase.Server.Inference;

namespace Takase.Server.Routing;

/// <summary>
/// An answer read ahead up to the point where the executor commits to its target: streamed, the first piece; whole,
/// everything. Until then a failure may still fall back to the next candidate; <see cref="ReadAsync"/> replays what
/// was read and goes on with the rest.
/// </summary>
internal sealed class PrimedSession : IAnswerSession
{
    private readonly IAnswerSession _inner;
    private readonly List<InferenceChunk> _read = [];
    private IAsyncEnumerator<InferenceChunk>? _rest;

    private PrimedSession(IAnswerSession inner) => _inner = inner;

    /// <summary>
    /// Reads <paramref name="inner"/> (started with <paramref name="cancel"/>) until its first piece, or to its end when
    /// <paramref name="whole"/>. On failure the inner session is disposed and the error thrown.
    /// </summary>
    public static async Task<PrimedSession> StartAsync(IAnswerSession inner, bool whole, CancellationToken cancel)
    {
        var primed = new PrimedSession(inner);
        var pieces = inner.ReadAsync(cancel).GetAsyncEnumerator(cancel);
        try
        {
            while (await pieces.MoveNextAsync())
            {
                primed._read.Add(pieces.Current);
                if (!whole)
                {
                    primed._rest = pieces;
                    return primed;
                }
            }
            await pieces.DisposeAsync();
            return primed;
        }
        catch
        {
            await pieces.DisposeAsync();
            await inner.DisposeAsync();
            throw;
        }
    }

    /// <summary>The pieces read ahead (a whole answer's are all of it), e.g. for a cascade to judge.</summary>
    public IReadOnlyList<InferenceChunk> Pieces => _read;

    /// <summary>Leave log-probabilities out of the pieces (asked for by a cascade, not by the client).</summary>
    public bool DropLogprobs { get; set; }

    /// <summary>Called for every piece after the first (the executor's idle timeout restarts).</summary>
    public Action? OnPiece { get; set; }

    /// <inheritdoc />
    public string ModelName => _inner.ModelName;
    /// <inheritdoc />
    public int PromptTokens => _inner.PromptTokens;
    /// <inheritdoc />
    public InferenceResult? Result => _inner.Result;

    /// <inheritdoc />
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        foreach (var piece in _read) yield return Shown(piece);
        if (_rest is null) yield break;
        // The rest runs on the token the answer was started with (the attempt's), which the client's leaving cancels.
        while (await _rest.MoveNextAsync())
        {
            OnPiece?.Invoke();
            yield return Shown(_rest.Current);
        }
    }

    private InferenceChunk Shown(InferenceChunk piece) => DropLogprobs && piece.Logprobs is not null ? piece with { Logprobs = null } : piece;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_rest is not null) await _rest.DisposeAsync();
        await _inner.DisposeAsync();
    }
}
