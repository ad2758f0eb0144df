using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Generation;

/// <summary>
/// Runs one sequence of a model on the calling thread: evaluates prompts, samples tokens and streams text. Its slot
/// remembers the tokens in the KV cache, so a follow-up prompt that starts with the same tokens (the next turn of a
/// chat) only evaluates what is new. The server's scheduler interleaves many such runs instead.
/// </summary>
public sealed class Generator
{
    private readonly TransformerModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly SequenceSlot _slot;

    /// <summary>Creates a generator with a KV cache for <paramref name="contextLength"/> tokens
    /// (default: the model's trained context, capped at 4096).</summary>
    public Generator(TransformerModel model, Tokenizer tokenizer, int? contextLength = null)
    {
        if (contextLength is <= 0) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "the context length must be positive");
        _model = model;
        _tokenizer = tokenizer;
        _slot = new SequenceSlot(model, contextLength ?? model.DefaultContextLength);
    }

    /// <summary>Tokens the context holds.</summary>
    public int ContextLength => _slot.ContextLength;

    /// <summary>The sequence so far: prompt and generated tokens (the last generated one may not be in the cache yet).</summary>
    public IReadOnlyList<int> Tokens => _slot.Tokens;

    /// <summary>Statistics of the last finished generation.</summary>
    public GenerationStats? LastStats { get; private set; }

    /// <summary>
    /// Evaluates <paramref name="prompt"/> (reusing the cached prefix) and yields generated text as it becomes
    /// complete UTF-8. <see cref="LastStats"/> is set when the enumeration ends.
    /// </summary>
    public IEnumerable<string> Generate(IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancel = default,
        ITokenConstraint? constraint = null)
    {
        var run = new GenerationRun(_model, _tokenizer, _slot, prompt, options, constraint);
        var events = new List<GenerationEvent>();
        try
        {
            while (!run.IsFinished)
            {
                if (cancel.IsCancellationRequested)
                {
                    if (run.InPrefill) cancel.ThrowIfCancellationRequested();
                    run.Cancel(events);
                }
                else run.Step(int.MaxValue, events);
                foreach (var e in events)
                    if (e.Text.Length > 0) yield return e.Text;
                events.Clear();
            }
        }
        finally
        {
            LastStats = run.Stats;
        }
    }

    /// <summary>Forgets everything in the cache.</summary>
    public void Reset() => _slot.Clear();
}
