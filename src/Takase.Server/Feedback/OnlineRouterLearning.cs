using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Takase.Routing;
using Takase.Routing.Learned;
using Takase.Routing.Learned.NGram;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Feedback;

/// <summary>
/// Online update of n-gram router profiles from feedback (<c>Takase:Feedback:Learning:&lt;profile&gt;:OnlineUpdateEvery</c>):
/// the router loads such a profile's model as a <see cref="LiveRoutingModel"/>; new feedback events are read from
/// the store, resolved (<see cref="FeedbackContext"/>), scored (<see cref="FeedbackScores"/>) and turned into
/// "strong wins" labels for the profile; after every N of them the model takes SGD steps with its training loss
/// and the new weights are swapped in at once — decisions never wait for learning.
/// </summary>
/// <remarks>
/// <para>Labels: of the profile's candidates (cheapest tier first) an event scores one or two; with two in different
/// tiers the label is 1 when the higher tier scored strictly better (RouteLLM's "strong wins"), else 0; with one
/// below the top tier the label is 1 when it scored under ½ (it was not good enough), else 0; a judgement of the top
/// tier alone says nothing about the cheaper ones and is skipped. An event on a known route counts for that route's
/// profile; one without (a side-by-side preference through the API) for every learning profile whose candidates it
/// names.</para>
/// <para>Persistence: each update is written to the model file the profile loaded, atomically (temporary file, then
/// rename), so a restart — which loads that file — keeps it, `takase router train` overwrites it with a full
/// retraining (which consumes the same feedback), and there is one artefact to inspect or copy. A copy in the database
/// would need a schema change and make the file and the table disagree. Servers sharing a database each update
/// their own file; give one node the learning setting. Feedback that waited in memory through a database outage and
/// is stored with an older time than the events already read is left to the next retraining.</para>
/// </remarks>
public sealed class OnlineRouterLearning : IHostedService, IDisposable
{
    private const int ReadBatch = 1000;

    private readonly FeedbackOptions _options;
    private readonly IFeedbackStore _store;
    private readonly Func<RouterHost> _host;
    private readonly IRouteLog _routes;
    private readonly ITicketStore? _tickets;
    private readonly Func<RouterProfile, IRoutingModel?> _files;
    private readonly Func<RouterProfile, string?> _pathOf;
    private readonly ILogger _logger;
    private readonly Lock _models = new();
    private readonly Dictionary<string, (string Path, LiveRoutingModel Model)> _live = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<OnlineExample>> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly HashSet<string> _seenAtCursor = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private DateTimeOffset _cursor;
    private Task? _loop;
    private int _disposed;

    /// <summary>Creates the learner; nothing is read before <see cref="StartAsync"/> or <see cref="CatchUpAsync"/>.</summary>
    /// <param name="options">Takase:Feedback (validated here).</param>
    /// <param name="store">Where feedback is read from.</param>
    /// <param name="host">The server's router host (resolved late: the host is built with this learner's <see cref="ModelFor"/>).</param>
    /// <param name="routes">Route decisions, for the profile and targets of an event.</param>
    /// <param name="tickets">Tickets, for the prompt of an operator's edit.</param>
    /// <param name="modelsDirectory">Where relative ModelPaths live.</param>
    /// <param name="logger">Reports updates and problems.</param>
    /// <param name="time">The clock of the first read's cursor.</param>
    /// <exception cref="ArgumentException">a setting is out of range; the message names it.</exception>
    public OnlineRouterLearning(FeedbackOptions options, IFeedbackStore store, Func<RouterHost> host, IRouteLog routes, ITicketStore? tickets,
        string modelsDirectory, ILogger<OnlineRouterLearning>? logger = null, TimeProvider? time = null)
    {
        options.Validate();
        _options = options;
        _store = store;
        _host = host;
        _routes = routes;
        _tickets = tickets;
        _files = RouterRegistration.RouterFiles(modelsDirectory);
        _pathOf = p => p.ModelPath is { Length: > 0 } path ? Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(modelsDirectory, path)) : null;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        // Whole seconds back: the store may keep coarser times than the clock, and the id set drops repeats.
        var now = (time ?? TimeProvider.System).GetUtcNow();
        _cursor = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(-1);
    }

    /// <summary>Whether any profile learns online.</summary>
    public bool Enabled => _options.Learning.Values.Any(o => o.OnlineUpdateEvery > 0);

    /// <summary>The router's model loader: a learning n-gram profile gets its live model (one per profile and file), others their file.</summary>
    public IRoutingModel? ModelFor(RouterProfile profile)
    {
        var learning = _options.For(profile.Name);
        if (learning is null || profile.Strategy != RoutingStrategy.NGram || _pathOf(profile) is not { } path)
        {
            if (learning is not null)
                _logger.LogWarning("online learning is set for profile '{Profile}' but it is not an n-gram profile with a ModelPath; it will not learn online", profile.Name);
            return _files(profile);
        }
        return Live(profile.Name, path, profile);
    }

    /// <summary>The live model of a profile, if the router loaded one.</summary>
    public LiveRoutingModel? LiveModel(string profile)
    {
        lock (_models) return _live.TryGetValue(profile, out var live) ? live.Model : null;
    }

    /// <summary>Looks at new feedback now (POST /api/feedback calls this after recording).</summary>
    public void Signal()
    {
        if (!Enabled) return;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // a look is already due
    }

    /// <summary>
    /// Reads the feedback given since the last look and updates every profile that has collected its N events;
    /// returns how many updates were swapped in.
    /// </summary>
    /// <exception cref="StoreUnavailableException">the database cannot be read now (the events are read on a later look).</exception>
    public async Task<int> CatchUpAsync(CancellationToken cancel = default)
    {
        if (!Enabled) return 0;
        await _catchUp.WaitAsync(cancel);
        try
        {
            var updates = 0;
            var context = new FeedbackContext(_routes, _tickets, IsHuman(_host()));
            while (true)
            {
                var events = await _store.ListFeedbackAsync(_cursor, ReadBatch, cancel);
                var fresh = events.Where(e => !_seenAtCursor.Contains(e.Id)).ToList();
                foreach (var e in fresh)
                {
                    if (e.CreatedAt > _cursor)
                    {
                        _cursor = e.CreatedAt;
                        _seenAtCursor.Clear();
                    }
                    _seenAtCursor.Add(e.Id);
                    updates += await LearnAsync(context, e, cancel);
                }
                if (events.Count < ReadBatch || fresh.Count == 0) break;
            }
            return updates;
        }
        finally
        {
            _catchUp.Release();
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled) _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Registered as a singleton and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _stop.Dispose();
        _catchUp.Dispose();
        _signal.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_options.PollInterval, stop);
                await CatchUpAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (StoreUnavailableException e)
            {
                _logger.LogWarning("online router learning waits for the database: {Reason}", e.Message);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "online router learning failed; it tries again at the next feedback");
            }
        }
    }

    private LiveRoutingModel? Live(string name, string path, RouterProfile profile)
    {
        lock (_models)
        {
            if (_live.TryGetValue(name, out var known) && known.Path == path) return known.Model;
            if (_files(profile) is not NGramRoutingModel model)
            {
                _logger.LogWarning("online learning is set for profile '{Profile}' but {Path} is not an n-gram router; it will not learn online", name, path);
                return null;
            }
            var live = new LiveRoutingModel(model);
            _live[name] = (path, live);
            _pending.Remove(name);
            return live;
        }
    }

    /// <summary>Adds the event's label to each profile it teaches; returns how many profiles it brought to an update.</summary>
    private async Task<int> LearnAsync(FeedbackContext context, FeedbackEvent raw, CancellationToken cancel)
    {
        var e = await context.ResolveAsync(raw, cancel);
        if (string.IsNullOrWhiteSpace(e.Prompt)) return 0;
        var scores = FeedbackScores.Of(e).GroupBy(s => s.Target, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Average(s => s.Score), StringComparer.OrdinalIgnoreCase);
        if (scores.Count == 0) return 0;

        var setup = _host().Setup;
        var decision = context.DecisionOf(e);
        IEnumerable<RouterProfile> profiles = decision is not null
            ? setup.Profiles.TryGetValue(decision.Profile, out var routed) ? [routed] : []
            : setup.Profiles.Values;
        var updates = 0;
        foreach (var profile in profiles)
        {
            if (_options.For(profile.Name) is not { } learning || StrongWins(profile, scores) is not { } label) continue;
            if (_pathOf(profile) is not { } path || Live(profile.Name, path, profile) is not { } live) continue;
            List<OnlineExample> batch;
            lock (_models)
            {
                if (!_pending.TryGetValue(profile.Name, out var pending)) _pending[profile.Name] = pending = [];
                pending.Add(new OnlineExample(e.Prompt, label));
                if (pending.Count < learning.OnlineUpdateEvery) continue;
                batch = [.. pending];
                pending.Clear();
            }
            var updated = live.Update(batch, new OnlineUpdateOptions { LearningRate = learning.LearningRate, Epochs = learning.Epochs });
            updates++;
            if (learning.Persist) RoutingModelFile.Save(updated, path);
            _logger.LogInformation("router profile '{Profile}' learned from {Count} feedback events (update {Update}){Saved}",
                profile.Name, batch.Count, live.Updates, learning.Persist ? $"; saved to {path}" : "");
        }
        return updates;
    }

    /// <summary>Whether a target of the host's current setup is a person.</summary>
    internal static Func<string, bool> IsHuman(RouterHost host)
    {
        var targets = host.Setup.Targets;
        return name => targets.TryGetValue(name, out var t) && t.Kind == TargetKind.Human;
    }

    /// <summary>The "strong wins" label an event's scores give for a profile, or null when they say nothing about its tiers.</summary>
    internal static double? StrongWins(RouterProfile profile, IReadOnlyDictionary<string, double> scores)
    {
        var tiers = new List<(int Tier, double Score)>();
        for (var i = 0; i < profile.Candidates.Count; i++)
            if (scores.TryGetValue(profile.Candidates[i], out var s)) tiers.Add((i, s));
        if (tiers.Count == 0) return null;
        var low = tiers.MinBy(t => t.Tier);
        var high = tiers.MaxBy(t => t.Tier);
        if (high.Tier > low.Tier) return high.Score > low.Score ? 1 : 0;
        if (low.Tier == profile.Candidates.Count - 1) return null;
        return low.Score < 0.5 ? 1 : 0;
    }
}
