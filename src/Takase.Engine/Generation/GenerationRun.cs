using System.Diagnostics;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Generation;

/// <summary>
/// One request's generation in a <see cref="SequenceSlot"/>, advanced a step at a time so a scheduler can interleave
/// many: first the prompt (in chunks, reusing what the slot already caches), then one token per step — sampled
/// (within an optional constraint), detokenized, checked for stop strings — until an end token, a stop string,
/// the token limit or cancellation.
/// </summary>
public sealed class GenerationRun : ISequenceRun
{
    private readonly TransformerModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly SequenceSlot _slot;
    private readonly IReadOnlyList<int> _prompt;
    private readonly int[] _promptTokens;
    private readonly GenerationOptions _options;
    private readonly ITokenConstraint? _constraint;
    private readonly int _topLogprobs;
    private readonly Sampler _sampler;
    private readonly StreamingDetokenizer _detokenizer;
    private readonly StopSequenceMatcher _stops;
    private readonly float[] _logits;
    private readonly float[] _work;
    private readonly int _reused;
    private int _next;
    private int _generated;
    private bool _haveLogits;
    private TimeSpan _promptTime;
    private TimeSpan _evalTime;

    /// <summary>
    /// Prepares a run. <paramref name="topLogprobs"/>: -1 for no log-probabilities, 0 for the chosen token's only,
    /// n for the n most likely alternatives too.
    /// </summary>
    /// <exception cref="ArgumentException">empty prompt or absurd options.</exception>
    /// <exception cref="ContextOverflowException">the prompt does not fit and context shifting is off.</exception>
    public GenerationRun(TransformerModel model, Tokenizer tokenizer, SequenceSlot slot, IReadOnlyList<int> prompt,
        GenerationOptions options, ITokenConstraint? constraint = null, int topLogprobs = -1)
    {
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens; give some text (or a BOS token)");
        if (prompt.Count > slot.ContextLength && !options.ContextShift) throw new ContextOverflowException(slot.ContextLength, prompt.Count);
        if (topLogprobs is < -1 or > 20) throw new ArgumentException($"top_logprobs must be between 0 and 20, not {topLogprobs}");
        foreach (var t in prompt)
            if ((uint)t >= (uint)model.Config.VocabSize) throw new ArgumentException($"token id {t} is outside the vocabulary of {model.Config.VocabSize}");
        _model = model;
        _tokenizer = tokenizer;
        _slot = slot;
        _prompt = prompt;
        _promptTokens = prompt as int[] ?? [.. prompt];
        _options = options;
        _constraint = constraint;
        _topLogprobs = topLogprobs;
        _sampler = new Sampler(options.Sampling, model.Config.VocabSize);
        _detokenizer = new StreamingDetokenizer(tokenizer);
        _stops = new StopSequenceMatcher(options.Stop);
        _logits = new float[model.Config.VocabSize];
        _work = new float[model.Config.VocabSize];
        constraint?.Reset();

        // Reuse the cached prefix; the last prompt token is always evaluated, to obtain logits.
        _reused = Math.Min(slot.CachedPrefix(prompt), prompt.Count - 1);
        slot.Rewind(_reused);
        for (var i = 0; i < _reused; i++) _sampler.Accept(prompt[i]);
        _next = _reused;
    }

    /// <summary>True once the run has ended (see <see cref="Stats"/>).</summary>
    public bool IsFinished { get; private set; }
    /// <summary>True while prompt tokens remain to be evaluated.</summary>
    public bool InPrefill => _next < _prompt.Count;
    /// <summary>Prompt tokens found in the slot's cache.</summary>
    public int CachedPromptTokens => _reused;
    /// <summary>The seed the sampler uses (the random one when none was given).</summary>
    public long Seed => _sampler.Seed;
    /// <summary>Counts and timings; final once <see cref="IsFinished"/>.</summary>
    public GenerationStats Stats => new()
    {
        PromptTokens = _prompt.Count - _reused,
        CachedPromptTokens = _reused,
        PromptDuration = _promptTime,
        GeneratedTokens = _generated,
        GenerationDuration = _evalTime,
        DoneReason = Reason,
    };

    private DoneReason Reason { get; set; } = DoneReason.Length;

    /// <summary>
    /// Does one unit of work: up to <paramref name="prefillBudget"/> prompt tokens, or one generated token. What it
    /// produced is appended to <paramref name="events"/>; the last event of a run carries <see cref="GenerationEvent.Done"/>.
    /// </summary>
    public void Step(int prefillBudget, List<GenerationEvent> events)
    {
        if (IsFinished) return;
        if (InPrefill)
        {
            Prefill(prefillBudget);
            return;
        }
        if (!BeginDecode(events, out var token)) return;
        var clock = Stopwatch.StartNew();
        var logits = _model.Forward(_slot.State, token);
        EndDecode(logits, clock.Elapsed);
    }

    /// <summary>Evaluates the next chunk of the prompt as one batched forward pass (logits only for its last token).</summary>
    private void Prefill(int budget)
    {
        var clock = Stopwatch.StartNew();
        var count = Math.Min(_prompt.Count - _next, Math.Max(1, budget));
        var cache = _slot.Cache;
        if (count > cache.Capacity - cache.Length)
        {
            // The chunk overflows the window (context shifting is on): token by token, shifting when it is full.
            for (var end = _next + count; _next < end; _next++)
            {
                _slot.Tokens.Add(_prompt[_next]);
                var last = _next == _prompt.Count - 1;
                var logits = Evaluate(_prompt[_next], last);
                if (last) { logits.CopyTo(_logits); _haveLogits = true; }
                _sampler.Accept(_prompt[_next]);
            }
        }
        else
        {
            var chunk = _promptTokens.AsSpan(_next, count);
            _slot.Tokens.AddRange(chunk);
            var last = _next + count == _prompt.Count;
            var logits = _model.ForwardBatch(_slot.State, chunk, computeLogits: last);
            if (last) { logits.CopyTo(_logits); _haveLogits = true; }
            foreach (var t in chunk) _sampler.Accept(t);
            _next += count;
        }
        _promptTime += clock.Elapsed;
    }

    /// <summary>
    /// The first half of a decode step, for a scheduler that evaluates many sequences in one batched pass: samples
    /// the next token and publishes it. Returns true when <paramref name="token"/> must now be evaluated at the next
    /// position of <see cref="State"/> and its logits handed to <see cref="EndDecode"/>; false when the run finished
    /// or needs no further evaluation. A full cache is shifted here (when allowed), so the evaluation fits.
    /// </summary>
    internal bool BeginDecode(List<GenerationEvent> events, out int token)
    {
        token = -1;
        if (IsFinished || InPrefill) return false;
        if (_options.MaxTokens >= 0 && _generated >= _options.MaxTokens) { Finish(DoneReason.Length, events); return false; }
        if (!_haveLogits) throw new InvalidOperationException("no logits to sample from");

        var clock = Stopwatch.StartNew();
        var next = SampleConstrained();
        _sampler.Accept(next);
        _constraint?.Accept(next);
        _generated++;
        _slot.Tokens.Add(next);
        _haveLogits = false;
        float? logprob = null;
        IReadOnlyList<TokenLogprob>? top = null;
        if (_topLogprobs >= 0) (logprob, top) = Logprobs(next);

        if (_tokenizer.IsEndOfGeneration(next))
        {
            _evalTime += clock.Elapsed;
            Finish(DoneReason.Stop, events);
            return false;
        }
        var (text, stopped) = _stops.Append(_detokenizer.Append(next));
        events.Add(new GenerationEvent { Text = text, Token = next, Logprob = logprob, TopLogprobs = top });
        if (stopped || (_constraint is { IsComplete: true } && ConstraintAllowsOnlyEnd()))
        {
            _evalTime += clock.Elapsed;
            Finish(DoneReason.Stop, events);
            return false;
        }
        if (_options.MaxTokens >= 0 && _generated >= _options.MaxTokens)
        {
            _evalTime += clock.Elapsed;
            return false;
        }
        MakeRoom();
        _evalTime += clock.Elapsed;
        token = next;
        return true;
    }

    /// <summary>The second half of a decode step: the logits of the token <see cref="BeginDecode"/> returned, and the
    /// time its (shared) evaluation took.</summary>
    internal void EndDecode(ReadOnlySpan<float> logits, TimeSpan elapsed)
    {
        logits.CopyTo(_logits);
        _haveLogits = true;
        _evalTime += elapsed;
    }

    /// <summary>The forward state the run's next token is evaluated in.</summary>
    internal ForwardState State => _slot.State;

    /// <summary>Ends the run now (the client went away); the slot keeps what was evaluated.</summary>
    public void Cancel(List<GenerationEvent> events)
    {
        if (!IsFinished) Finish(DoneReason.Cancelled, events, flush: false);
    }

    private void Finish(DoneReason reason, List<GenerationEvent> events, bool flush = true)
    {
        Reason = reason;
        var tail = "";
        if (flush && !_stops.IsStopped)
        {
            var rest = _stops.Append(_detokenizer.Flush());
            tail = rest.Text + (rest.Stopped ? "" : _stops.Flush());
        }
        IsFinished = true;
        events.Add(new GenerationEvent { Text = tail, Done = Stats });
    }

    private int SampleConstrained()
    {
        _logits.CopyTo(_work, 0);
        var token = _sampler.Sample(_work);
        if (_constraint is null || _constraint.IsAllowed(token)) return token;
        // The free choice broke the constraint: mask everything it forbids and draw again.
        _logits.CopyTo(_work, 0);
        _constraint.Apply(_work);
        return _sampler.Sample(_work);
    }

    private bool ConstraintAllowsOnlyEnd()
    {
        // A complete grammar that cannot grow any further: nothing but an end token may follow, so stop here.
        _logits.AsSpan().Fill(0f);
        _constraint!.Apply(_logits);
        for (var i = 0; i < _logits.Length; i++)
            if (!float.IsNegativeInfinity(_logits[i]) && !_tokenizer.IsEndOfGeneration(i)) return false;
        return true;
    }

    private (float, IReadOnlyList<TokenLogprob>?) Logprobs(int token)
    {
        // Log-softmax of the model's raw logits (before penalties and filters), as Ollama and OpenAI report them.
        var max = float.NegativeInfinity;
        foreach (var v in _logits) if (v > max) max = v;
        double sum = 0;
        foreach (var v in _logits) sum += Math.Exp(v - max);
        var logZ = max + (float)Math.Log(sum);
        if (_topLogprobs == 0) return (_logits[token] - logZ, null);
        var top = new List<TokenLogprob>(_topLogprobs + 1);
        for (var i = 0; i < _logits.Length; i++)
        {
            if (top.Count == _topLogprobs && _logits[i] <= top[^1].Logprob + logZ) continue;
            var entry = new TokenLogprob(i, _tokenizer.TokenText(i), _logits[i] - logZ);
            var at = top.FindIndex(t => t.Logprob < entry.Logprob);
            if (at < 0) top.Add(entry); else top.Insert(at, entry);
            if (top.Count > _topLogprobs) top.RemoveAt(top.Count - 1);
        }
        return (_logits[token] - logZ, top.Select(t => t with { Text = _tokenizer.Decode([t.Token]) }).ToList());
    }

    /// <summary>Runs the model on <paramref name="token"/>, the last entry of the slot's sequence.</summary>
    private Span<float> Evaluate(int token, bool logits)
    {
        MakeRoom();
        return _model.Forward(_slot.State, token, logits);
    }

    /// <summary>Makes room for one more position: shifts the context when the cache is full, or fails when that is off.</summary>
    private void MakeRoom()
    {
        if (_slot.Cache.Length < _slot.Cache.Capacity) return;
        if (!_options.ContextShift) throw new ContextOverflowException(_slot.ContextLength);
        ShiftContext(_options.KeepTokens);
    }

    /// <summary>
    /// Keeps the first <paramref name="keep"/> cached tokens and the newer half of the rest, and rebuilds the cache
    /// from them; the token waiting to be evaluated stays last. Re-evaluating (rather than re-rotating cached keys)
    /// gives exactly the state the model would have had.
    /// </summary>
    private void ShiftContext(int keep)
    {
        var tokens = _slot.Tokens;
        var cached = _slot.Cache.Length;
        var pending = tokens.Skip(cached).ToList();
        keep = Math.Min(keep, cached / 2);
        var discard = (cached - keep + 1) / 2;
        var kept = tokens.Take(keep).Concat(tokens.Skip(keep + discard).Take(cached - keep - discard)).ToList();
        _slot.Clear();
        tokens.AddRange(kept);
        if (kept.Count > 0) _model.ForwardBatch(_slot.State, kept.ToArray(), computeLogits: false);
        tokens.AddRange(pending);
    }
}
