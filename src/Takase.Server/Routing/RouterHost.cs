using System.Collections.Concurrent;
using Takase.Routing;
using Takase.Routing.Configuration;
using Takase.Routing.Execution;
using Takase.Routing.Profiles;
using Takase.Routing.Remote;
using Takase.Routing.Targets;
using IRouter = Takase.Routing.IRouter;

namespace Takase.Server.Routing;

/// <summary>
/// The server's router as it stands now: the validated configuration, the <see cref="IRouter"/> built from it, the
/// executor with each target's circuit, and a client per remote target. An admin change validates a whole new
/// configuration first and then swaps it in at once, so a request never sees half an edit, whether the change was
/// made on this node or read from the store after another node made it (<see cref="RouterChanges"/>).
/// </summary>
public sealed class RouterHost
{
    private readonly Func<RouterSetup, IRouter> _routerFor;
    private readonly Func<string, string?> _environment;
    private readonly ConcurrentDictionary<string, RemoteTargetClient> _remotes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _changes = new();
    private volatile State _state;

    /// <summary>A host for a configuration that has been bound and validated.</summary>
    public RouterHost(RouterOptions options, RouterSetup setup, Func<RouterSetup, IRouter> routerFor, TargetExecutor executor,
        Func<string, string?>? environment = null)
    {
        _routerFor = routerFor;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        Executor = executor;
        _state = new State(options, setup, routerFor(setup));
    }

    /// <summary>The router for the current configuration.</summary>
    public IRouter Router => _state.Router;
    /// <summary>The current, validated configuration.</summary>
    public RouterSetup Setup => _state.Setup;
    /// <summary>The configuration as options (what an admin change starts from).</summary>
    public RouterOptions Options => _state.Options;
    /// <summary>Runs decisions: fallbacks, timeouts, circuits.</summary>
    public TargetExecutor Executor { get; }

    /// <summary>The client of a remote target (made once per definition and endpoint: each replica has its own).</summary>
    public RemoteTargetClient RemoteClient(TargetDefinition target)
    {
        var key = $"{target.Name}|{target.Endpoint?.AbsoluteUri}";
        var client = _remotes.GetOrAdd(key, _ => new RemoteTargetClient(target, _environment));
        if (client.Target == target) return client;
        return _remotes[key] = new RemoteTargetClient(target, _environment);
    }

    /// <summary>Adds or replaces a target, validating the whole configuration with it.</summary>
    /// <exception cref="RouterConfigurationException">the change would make the configuration invalid.</exception>
    public TargetDefinition PutTarget(string name, TargetDefinition target) =>
        Change(o => o.Targets[name] = target with { Name = name }).Setup.Targets[name];

    /// <summary>Adds or replaces a profile, validating the whole configuration with it.</summary>
    /// <exception cref="RouterConfigurationException">the change would make the configuration invalid.</exception>
    public RouterProfile PutProfile(string name, RouterProfile profile) =>
        Change(o => o.Profiles[name] = profile with { Name = name }).Setup.Profiles[name];

    private State Change(Action<RouterOptions> edit)
    {
        lock (_changes)
        {
            var current = _state.Options;
            var next = new RouterOptions
            {
                Targets = new Dictionary<string, TargetDefinition>(current.Targets, StringComparer.OrdinalIgnoreCase),
                Profiles = new Dictionary<string, RouterProfile>(current.Profiles, StringComparer.OrdinalIgnoreCase),
                Fallback = current.Fallback,
                RefreshInterval = current.RefreshInterval,
            };
            edit(next);
            var setup = RouterSetup.Create(next);
            var state = new State(next, setup, _routerFor(setup));
            Executor.UpdateTargets(setup.Targets.Values);
            _state = state;
            return state;
        }
    }

    private sealed record State(RouterOptions Options, RouterSetup Setup, IRouter Router);
}
