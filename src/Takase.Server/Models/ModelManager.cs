using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Takase.Engine;
using Takase.Engine.Models;
using Takase.Engine.Scheduling;
using Takase.Server.Hosting;

namespace Takase.Server.Models;

/// <summary>A model in memory with its scheduler.</summary>
public sealed class LoadedModel
{
    internal LoadedModel(ModelEntry entry, LanguageModel model, ModelScheduler scheduler, long sizeBytes)
    {
        Entry = entry;
        Model = model;
        Scheduler = scheduler;
        SizeBytes = sizeBytes;
    }

    /// <summary>Catalog entry.</summary>
    public ModelEntry Entry { get; }
    /// <summary>Weights, tokenizer, template.</summary>
    public LanguageModel Model { get; }
    /// <summary>The scheduler sharing it among requests.</summary>
    public ModelScheduler Scheduler { get; }
    /// <summary>Estimated memory: mapped file plus the KV caches of all slots at the default context.</summary>
    public long SizeBytes { get; }
    /// <summary>When it unloads if still idle; <see cref="DateTimeOffset.MaxValue"/> for never.</summary>
    public DateTimeOffset ExpiresAt { get; internal set; } = DateTimeOffset.MaxValue;
    /// <summary>Requests holding it.</summary>
    public int ActiveLeases => _leases;
    internal int _leases;
    internal TimeSpan KeepAlive { get; set; }
    internal DateTimeOffset LastUsed { get; set; } = DateTimeOffset.UtcNow;
    internal bool UnloadWhenIdle { get; set; }
}

/// <summary>A request's hold on a loaded model; disposing it starts the keep-alive countdown.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly ModelManager _manager;
    private int _disposed;

    internal ModelLease(ModelManager manager, LoadedModel model, TimeSpan loadDuration)
    {
        _manager = manager;
        Model = model;
        LoadDuration = loadDuration;
    }

    /// <summary>The model.</summary>
    public LoadedModel Model { get; }
    /// <summary>Time this request spent loading the model (zero when it was loaded already).</summary>
    public TimeSpan LoadDuration { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _manager.Release(Model);
    }
}

/// <summary>
/// Loads models on demand and unloads them as Ollama does: each request may set keep_alive (default 5 minutes;
/// 0 unloads when the request ends; negative keeps the model forever), and when too many models or too many bytes
/// are loaded the least recently used idle one goes first. A request for a model that cannot fit while every
/// loaded model is busy waits until one is free.
/// </summary>
public sealed class ModelManager : IAsyncDisposable
{
    private readonly ModelCatalog _catalog;
    private readonly TakaseServerOptions _options;
    private readonly ILogger<ModelManager> _log;
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _expiry;

    /// <summary>Creates the manager and its expiry loop.</summary>
    public ModelManager(ModelCatalog catalog, TakaseServerOptions options, ILogger<ModelManager> log)
    {
        _catalog = catalog;
        _options = options;
        _log = log;
        _expiry = Task.Run(ExpireLoop);
    }

    /// <summary>Memory that loaded models may take.</summary>
    public long MemoryBudget => _options.MemoryBudgetBytes > 0 ? _options.MemoryBudgetBytes
        : (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.75);

    /// <summary>The models in memory now.</summary>
    public IReadOnlyList<LoadedModel> Loaded { get { lock (_gate) return [.. _loaded.Values]; } }

    /// <summary>
    /// Returns a lease on the model called <paramref name="name"/>, loading it first if needed.
    /// <paramref name="keepAlive"/> (null: the default) applies from the moment the lease is released.
    /// </summary>
    /// <exception cref="ModelNotFoundException">no model has that name.</exception>
    public async Task<ModelLease> AcquireAsync(string name, TimeSpan? keepAlive, CancellationToken cancel)
    {
        var entry = _catalog.Require(name);
        var clock = Stopwatch.StartNew();
        var loaded = TryLease(entry, keepAlive);
        if (loaded is not null) return new ModelLease(this, loaded, TimeSpan.Zero);

        await _loadGate.WaitAsync(cancel);
        try
        {
            loaded = TryLease(entry, keepAlive);
            if (loaded is not null) return new ModelLease(this, loaded, clock.Elapsed);
            var estimate = EstimateSize(entry);
            await MakeRoomAsync(estimate, cancel);
            // A library model's ADAPTER layers (LoRA) are applied at load, on top of the memory-mapped base weights.
            var adapters = entry.Stored?.AdapterPaths.Select(path => new AdapterSpec(path)).ToList();
            var model = await Task.Run(() => LanguageModel.Load(entry.Path, adapters), cancel);
            var context = Math.Min(_options.DefaultContextLength, model.Model.Config.TrainedContextLength);
            var scheduler = new ModelScheduler(model, new SchedulerOptions
            {
                Slots = _options.ParallelSlots,
                QueueCapacity = _options.MaxQueue,
                PrefillChunk = _options.PrefillChunk,
                DefaultContextLength = context,
            }, entry.Name);
            var kv = (long)_options.ParallelSlots * context * model.Model.Config.KvDim * model.Model.Config.BlockCount * 2 * sizeof(float);
            loaded = new LoadedModel(entry, model, scheduler, entry.Size + kv) { KeepAlive = keepAlive ?? _options.DefaultKeepAlive, _leases = 1 };
            lock (_gate) _loaded[entry.Name] = loaded;
            _log.LogInformation("loaded {Model} ({Bytes} bytes) in {Elapsed}", entry.Name, loaded.SizeBytes, clock.Elapsed);
            return new ModelLease(this, loaded, clock.Elapsed);
        }
        finally
        {
            _loadGate.Release();
        }
    }

    /// <summary>Unloads a model now if idle, or as soon as its running requests end.</summary>
    public bool Unload(string name)
    {
        LoadedModel? m;
        lock (_gate)
        {
            var full = ModelCatalog.Normalize(name);
            if (full is null || !_loaded.TryGetValue(full, out m)) return false;
            if (m._leases > 0) { m.UnloadWhenIdle = true; return true; }
            _loaded.Remove(full);
        }
        Dispose(m);
        return true;
    }

    internal void Release(LoadedModel model)
    {
        var unload = false;
        lock (_gate)
        {
            model._leases--;
            model.LastUsed = DateTimeOffset.UtcNow;
            if (model._leases > 0) return;
            unload = model.UnloadWhenIdle || model.KeepAlive <= TimeSpan.Zero;
            model.ExpiresAt = model.KeepAlive == KeepAlive.Forever ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow + model.KeepAlive;
            if (unload) _loaded.Remove(model.Entry.Name);
        }
        if (unload) Dispose(model);
    }

    private LoadedModel? TryLease(ModelEntry entry, TimeSpan? keepAlive)
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue(entry.Name, out var m) || m.UnloadWhenIdle) return null;
            if (m.Entry.ModifiedAt != entry.ModifiedAt || m.Entry.Size != entry.Size) return null; // the file changed
            m._leases++;
            m.ExpiresAt = DateTimeOffset.MaxValue;
            if (keepAlive is { } k) m.KeepAlive = k;
            return m;
        }
    }

    private long EstimateSize(ModelEntry entry) => entry.Size; // KV caches are added once the shape is known

    private async Task MakeRoomAsync(long needed, CancellationToken cancel)
    {
        while (true)
        {
            LoadedModel? victim = null;
            lock (_gate)
            {
                var used = _loaded.Values.Sum(m => m.SizeBytes);
                var fits = _loaded.Count < _options.MaxLoadedModels && (used + needed <= MemoryBudget || _loaded.Count == 0);
                if (fits) return;
                victim = _loaded.Values.Where(m => m._leases == 0).OrderBy(m => m.LastUsed).FirstOrDefault();
                if (victim is not null) _loaded.Remove(victim.Entry.Name);
            }
            if (victim is not null)
            {
                _log.LogInformation("unloading {Model} to make room", victim.Entry.Name);
                Dispose(victim);
                continue;
            }
            await Task.Delay(50, cancel); // every loaded model is busy: wait for one to finish
        }
    }

    private async Task ExpireLoop()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                List<LoadedModel> expired;
                lock (_gate)
                {
                    var now = DateTimeOffset.UtcNow;
                    expired = _loaded.Values.Where(m => m._leases == 0 && m.ExpiresAt <= now).ToList();
                    foreach (var m in expired) _loaded.Remove(m.Entry.Name);
                }
                foreach (var m in expired)
                {
                    _log.LogInformation("keep_alive expired for {Model}; unloading", m.Entry.Name);
                    Dispose(m);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static void Dispose(LoadedModel m)
    {
        m.Scheduler.Dispose();
        m.Model.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _expiry;
        List<LoadedModel> all;
        lock (_gate)
        {
            all = [.. _loaded.Values];
            _loaded.Clear();
        }
        foreach (var m in all) Dispose(m);
        _stop.Dispose();
    }
}

/// <summary>No model of that name is available.</summary>
public sealed class ModelNotFoundException(string name, IReadOnlyList<string>? suggestions = null)
    : Exception($"model '{name}' not found{(suggestions is { Count: > 0 } ? $"; did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?" : "")}; list the available models with GET /api/tags (or `takase list`)")
{
    /// <summary>The name asked for.</summary>
    public string Name { get; } = name;
}
