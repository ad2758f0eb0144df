using System.Diagnostics;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Generation;

/// <summary>
/// Runs one sequence of a model: evaluates prompts, samples tokens and streams text. It remembers the tokens in its
/// KV cache, so a follow-up prompt that starts with the same tokens (the next turn of a chat) only evaluates what is
/// new.
/// </summary>
public sealed class Generator
{
    private readonly TransformerModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly ForwardState _state;
    private readonly List<int> _tokens = [];

    /// <summary>Creates a generator with a KV cache for <paramref name="contextLength"/> tokens
    /// (default: the model's trained context, capped at 4096).</summary>
    public Generator(TransformerModel model, Tokenizer tokenizer, int? contextLength = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        if (contextLength is <= 0) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "the context length must be positive");
        _state = model.CreateState(model.CreateCache(contextLength));
    }

    /// <summary>Tokens the context holds.</summary>
    public int ContextLength => _state.Cache.Capacity;

    /// <summary>The sequence so far: prompt and generated tokens (the last generated one may not be in the cache yet).</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Statistics of the last finished generation.</summary>
    public GenerationStats? LastStats { get; private set; }

    /// <summary>
    /// Evaluates <paramref name="prompt"/> (reusing the cached prefix) and yields generated text as it becomes
    /// complete UTF-8. <see cref="LastStats"/> is set when the enumeration ends.
    /// </summary>
    public IEnumerable<string> Generate(IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens; give some text (or a BOS token)");
        if (prompt.Count > ContextLength && !options.ContextShift)
            throw new ContextOverflowException(ContextLength);

        var clock = Stopwatch.StartNew();
        var sampler = new Sampler(options.Sampling, _model.Config.VocabSize);
        var reused = Reuse(prompt);
        // The last prompt token must be evaluated to obtain logits, even when all of it was cached.
        if (reused == prompt.Count) reused = Rewind(prompt.Count - 1);
        foreach (var t in prompt.Take(reused)) sampler.Accept(t);
        Span<float> logits = default;
        for (var i = reused; i < prompt.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            _tokens.Add(prompt[i]);
            logits = Evaluate(prompt[i], i == prompt.Count - 1, options);
            sampler.Accept(prompt[i]);
        }
        var promptDuration = clock.Elapsed;
        clock.Restart();

        var detok = new StreamingDetokenizer(_tokenizer);
        var stops = new StopSequenceMatcher(options.Stop);
        var generated = 0;
        var reason = DoneReason.Length;
        var logitsBuffer = new float[_model.Config.VocabSize];
        try
        {
            while (options.MaxTokens < 0 || generated < options.MaxTokens)
            {
                if (cancel.IsCancellationRequested) { reason = DoneReason.Cancelled; break; }
                logits.CopyTo(logitsBuffer);
                var token = sampler.Sample(logitsBuffer);
                sampler.Accept(token);
                generated++;
                // The sampled token joins the sequence now; it is evaluated only if another token is wanted.
                _tokens.Add(token);
                if (_tokenizer.IsEndOfGeneration(token)) { reason = DoneReason.Stop; break; }
                var (text, stopped) = stops.Append(detok.Append(token));
                if (text.Length > 0) yield return text;
                if (stopped) { reason = DoneReason.Stop; break; }
                if (options.MaxTokens >= 0 && generated >= options.MaxTokens) break;
                logits = Evaluate(token, true, options);
            }
            if (reason != DoneReason.Stop)
            {
                var rest = stops.Append(detok.Flush());
                var tail = rest.Text + (rest.Stopped ? "" : stops.Flush());
                if (tail.Length > 0) yield return tail;
            }
        }
        finally
        {
            LastStats = new GenerationStats
            {
                PromptTokens = prompt.Count - reused,
                CachedPromptTokens = reused,
                PromptDuration = promptDuration,
                GeneratedTokens = generated,
                GenerationDuration = clock.Elapsed,
                DoneReason = reason,
            };
        }
    }

    /// <summary>Forgets everything in the cache.</summary>
    public void Reset()
    {
        _tokens.Clear();
        _state.Cache.Clear();
    }

    /// <summary>Runs the model on <paramref name="token"/>, the last entry of the sequence, at the next cache position.</summary>
    private Span<float> Evaluate(int token, bool logits, GenerationOptions options)
    {
        if (_state.Cache.Length == _state.Cache.Capacity)
        {
            if (!options.ContextShift) throw new ContextOverflowException(ContextLength);
            ShiftContext(options.KeepTokens);
        }
        return _model.Forward(_state, token, logits);
    }

    /// <summary>
    /// Keeps the first <paramref name="keep"/> cached tokens and the newer half of the rest, and rebuilds the cache
    /// from them; the token waiting to be evaluated stays last. Re-evaluating (rather than re-rotating cached keys)
    /// gives exactly the state the model would have had.
    /// </summary>
    private void ShiftContext(int keep)
    {
        var cached = _state.Cache.Length;
        var pending = _tokens.Skip(cached).ToList();
        keep = Math.Min(keep, cached / 2);
        var discard = (cached - keep + 1) / 2;
        var kept = _tokens.Take(keep).Concat(_tokens.Skip(keep + discard).Take(cached - keep - discard)).ToList();
        Reset();
        foreach (var t in kept)
        {
            _tokens.Add(t);
            _model.Forward(_state, t, computeLogits: false);
        }
        _tokens.AddRange(pending);
    }

    /// <summary>Keeps the longest cached prefix shared with <paramref name="prompt"/>; returns its length.</summary>
    private int Reuse(IReadOnlyList<int> prompt)
    {
        var n = 0;
        while (n < _tokens.Count && n < prompt.Count && _tokens[n] == prompt[n]) n++;
        return Rewind(Math.Min(n, _state.Cache.Length));
    }

    private int Rewind(int length)
    {
        _tokens.RemoveRange(length, _tokens.Count - length);
        _state.Cache.Truncate(length);
        return length;
    }
}
