using Takase.Engine.Generation;
using Takase.Engine.Models;

namespace Takase.Engine.Scheduling;

/// <summary>How a <see cref="ModelScheduler"/> shares its model.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Sequences that run at once (each with its own KV cache).</summary>
    public int Slots { get; init; } = 4;
    /// <summary>Requests that may wait for a slot; more are refused with <see cref="QueueFullException"/>.</summary>
    public int QueueCapacity { get; init; } = 512;
    /// <summary>Prompt tokens a run evaluates per step, so long prompts do not stall the streams already running.</summary>
    public int PrefillChunk { get; init; } = 32;
    /// <summary>Context per slot when a request names none; null for the model's default.</summary>
    public int? DefaultContextLength { get; init; }
}

/// <summary>
/// Continuous batching for one loaded model: requests wait in a bounded FIFO queue, join the running set as soon as
/// a slot is free, and leave it the moment they finish; each decode round advances every running sequence by one
/// token (or one prompt chunk), so a new request's prefill never freezes the others. The round's generated tokens
/// are evaluated together in one batched forward pass, so N streams share each read of the weights. A slot keeps its KV cache after
/// a request, and the next request is placed in the slot that shares the longest prefix with it (a follow-up chat
/// turn reuses its conversation). A cancelled request stops within one step and its slot is freed.
/// </summary>
public sealed class ModelScheduler : IDisposable
{
    private readonly LanguageModel _model;
    private readonly SchedulerOptions _options;
    private readonly LinkedList<GenerationJob> _queue = new();
    private readonly List<SequenceSlot> _slots = [];
    private readonly Dictionary<SequenceSlot, GenerationJob> _running = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly object _gate = new();
    private long _sequence;
    // The decode round's batch: one column per generating sequence (made on first use, sized for all slots).
    private BatchState? _batch;
    private SequenceSlot[] _decodeSlots = [];
    private GenerationJob[] _decodeJobs = [];
    private ForwardState[] _decodeStates = [];
    private int[] _decodeTokens = [];
    private volatile bool _stopping;

    /// <summary>Starts the scheduler's decode thread.</summary>
    public ModelScheduler(LanguageModel model, SchedulerOptions? options = null, string? name = null)
    {
        _model = model;
        _options = options ?? new SchedulerOptions();
        if (_options.Slots < 1) throw new ArgumentException($"slots must be at least 1, not {_options.Slots}");
        if (_options.QueueCapacity < 0) throw new ArgumentException($"the queue capacity cannot be negative ({_options.QueueCapacity})");
        DefaultContextLength = _options.DefaultContextLength ?? model.Model.DefaultContextLength;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"takase-scheduler {name}" };
        _thread.Start();
    }

    /// <summary>The model served.</summary>
    public LanguageModel Model => _model;
    /// <summary>Context length of a request that names none.</summary>
    public int DefaultContextLength { get; }
    /// <summary>Requests waiting for a slot.</summary>
    public int QueueDepth { get { lock (_gate) return _queue.Count; } }
    /// <summary>Requests running now.</summary>
    public int Running { get { lock (_gate) return _running.Count; } }
    /// <summary>When the last request finished (or the scheduler started).</summary>
    public DateTime LastUsed { get; private set; } = DateTime.UtcNow;
    /// <summary>True while nothing runs or waits.</summary>
    public bool IsIdle { get { lock (_gate) return _queue.Count == 0 && _running.Count == 0; } }
    /// <summary>Bytes held by the slots' KV caches.</summary>
    public long CacheBytes { get { lock (_gate) return _slots.Sum(s => s.Cache.ByteSize); } }

    /// <summary>
    /// Queues a request. Errors that can be known now (absurd options, a prompt beyond the context) are thrown here;
    /// later ones arrive as an event with <see cref="GenerationEvent.Error"/>.
    /// </summary>
    /// <exception cref="QueueFullException">the queue is full.</exception>
    public GenerationJob Submit(GenerationRequest request, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        request.Options.Validate();
        var context = request.ContextLength ?? DefaultContextLength;
        if (context < 1) throw new ArgumentException($"num_ctx must be at least 1, not {context}");
        if (request.Prompt.Count == 0) throw new ArgumentException("the prompt has no tokens");
        if (request.Prompt.Count > context && (request.Embed || !request.Options.ContextShift)) throw new ContextOverflowException(context, request.Prompt.Count);
        GenerationJob job;
        lock (_gate)
        {
            // Free slots absorb requests the decode thread has not admitted yet; beyond them the queue holds QueueCapacity.
            if (_queue.Count >= _options.QueueCapacity + _options.Slots - _running.Count) throw new QueueFullException(_options.QueueCapacity);
            job = new GenerationJob(request, cancel, ++_sequence) { Scheduler = this };
            _queue.AddLast(job);
        }
        if (cancel.CanBeCanceled) cancel.Register(() => _wake.Release());
        _wake.Release();
        return job;
    }

    internal int PositionOf(GenerationJob job)
    {
        lock (_gate)
        {
            var position = 0;
            for (var node = _queue.First; node is not null; node = node.Next, position++)
                if (node.Value == job) return position + 1;
            return 0;
        }
    }

    private void Loop()
    {
        var events = new List<GenerationEvent>();
        while (!_stopping)
        {
            Admit();
            KeyValuePair<SequenceSlot, GenerationJob>[] running;
            lock (_gate) running = [.. _running];
            if (running.Length == 0)
            {
                _wake.Wait(TimeSpan.FromSeconds(1));
                continue;
            }
            Step(running, events);
        }
        // Shutting down: everything still waiting or running fails cleanly.
        lock (_gate)
        {
            foreach (var job in _queue) job.Fail(new SchedulerStoppedException());
            foreach (var job in _running.Values) job.Fail(new SchedulerStoppedException());
            _queue.Clear();
            _running.Clear();
        }
    }

    /// <summary>
    /// One round: prompt chunks and embeddings step on their own (each one batched pass over its chunk); every
    /// sequence that is generating samples its next token, and those tokens are evaluated together in one
    /// <see cref="TransformerModel.ForwardMany"/> pass, so all running streams share each read of the weights.
    /// </summary>
    private void Step(KeyValuePair<SequenceSlot, GenerationJob>[] running, List<GenerationEvent> events)
    {
        var decoding = 0;
        foreach (var (slot, job) in running)
        {
            var run = job.Run!;
            try
            {
                if (job.Cancel.IsCancellationRequested) run.Cancel(events);
                else if (run is GenerationRun { InPrefill: false } generation)
                {
                    if (generation.BeginDecode(events, out var token))
                    {
                        EnsureBatch(running.Length);
                        _decodeSlots[decoding] = slot;
                        _decodeJobs[decoding] = job;
                        _decodeStates[decoding] = generation.State;
                        _decodeTokens[decoding++] = token;
                    }
                }
                else run.Step(_options.PrefillChunk, events);
                foreach (var e in events) job.Publish(e);
                events.Clear();
                if (run.IsFinished) Release(slot, job, null);
            }
            catch (Exception e)
            {
                events.Clear();
                Release(slot, job, e);
            }
        }
        if (decoding == 0) return;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        ReadOnlySpan<float> logits;
        try
        {
            // One stream alone takes the single-token pass (its projections fused per shared input); the results are
            // the same either way.
            logits = decoding == 1
                ? _model.Model.Forward(_decodeStates[0], _decodeTokens[0])
                : _model.Model.ForwardMany(_batch!, _decodeStates.AsSpan(0, decoding), _decodeTokens.AsSpan(0, decoding));
        }
        catch (Exception e)
        {
            // The shared pass failed (not one sequence's fault we can tell apart): every sequence in it fails.
            for (var i = 0; i < decoding; i++) Release(_decodeSlots[i], _decodeJobs[i], e);
            ClearDecodeRound(decoding);
            return;
        }
        var vocab = _model.Model.Config.VocabSize;
        var elapsed = clock.Elapsed;
        for (var i = 0; i < decoding; i++) ((GenerationRun)_decodeJobs[i].Run!).EndDecode(logits.Slice(i * vocab, vocab), elapsed);
        ClearDecodeRound(decoding);
    }

    /// <summary>Drops the round's references, so finished jobs are not kept alive by the arrays.</summary>
    private void ClearDecodeRound(int count)
    {
        Array.Clear(_decodeSlots, 0, count);
        Array.Clear(_decodeJobs, 0, count);
        Array.Clear(_decodeStates, 0, count);
    }

    /// <summary>Makes the decode batch hold at least <paramref name="sequences"/> sequences.</summary>
    private void EnsureBatch(int sequences)
    {
        if (_batch is not null && _batch.Capacity >= sequences) return;
        var capacity = Math.Max(sequences, _options.Slots);
        _batch = _model.Model.CreateBatch(capacity);
        _decodeSlots = new SequenceSlot[capacity];
        _decodeJobs = new GenerationJob[capacity];
        _decodeStates = new ForwardState[capacity];
        _decodeTokens = new int[capacity];
    }

    private void Release(SequenceSlot slot, GenerationJob job, Exception? error)
    {
        if (error is not null)
        {
            slot.Clear(); // the cache may be half-written
            job.Fail(error);
        }
        else job.Complete();
        lock (_gate) _running.Remove(slot);
        LastUsed = DateTime.UtcNow;
    }

    /// <summary>Moves queued jobs into free slots, each into the slot that already caches most of its prompt.</summary>
    private void Admit()
    {
        while (true)
        {
            GenerationJob? job;
            SequenceSlot? slot;
            lock (_gate)
            {
                // Requests cancelled while waiting leave without ever running.
                for (var node = _queue.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.Cancel.IsCancellationRequested)
                    {
                        node.Value.Publish(new GenerationEvent { Done = new GenerationStats { DoneReason = DoneReason.Cancelled } });
                        node.Value.Complete();
                        _queue.Remove(node);
                    }
                    node = next;
                }
                if (_queue.Count == 0) return;
                var free = _slots.Where(s => !_running.ContainsKey(s)).ToList();
                if (free.Count == 0 && _slots.Count >= _options.Slots) return;
                job = _queue.First!.Value;
                _queue.RemoveFirst();
                var context = job.Request.ContextLength ?? DefaultContextLength;
                slot = free.OrderByDescending(s => s.ContextLength == context ? s.CachedPrefix(job.Request.Prompt) : -1).FirstOrDefault();
                if (slot is null || (slot.CachedPrefix(job.Request.Prompt) == 0 && _slots.Count < _options.Slots))
                {
                    slot = new SequenceSlot(_model.Model, context);
                    _slots.Add(slot);
                }
                _running[slot] = job;
            }
            try
            {
                slot.Resize(job.Request.ContextLength ?? DefaultContextLength);
                if (job.Request.Embed)
                    job.Run = new EmbeddingRun(_model.Model, slot, job.Request.Prompt);
                else
                {
                    var run = new GenerationRun(_model.Model, _model.Tokenizer, slot, job.Request.Prompt, job.Request.Options,
                        job.Request.Constraint, job.Request.TopLogprobs);
                    job.Seed = run.Seed;
                    job.Run = run;
                }
                job.Started = true;
            }
            catch (Exception e)
            {
                Release(slot, job, e);
            }
        }
    }

    /// <summary>Stops the decode thread; waiting and running requests fail with <see cref="SchedulerStoppedException"/>.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }
}
