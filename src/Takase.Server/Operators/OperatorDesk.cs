using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Routing.Privacy;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Operators;

/// <summary>Why and from where a request goes to a person: what a new ticket is opened with.</summary>
/// <param name="Target">The human target the request reached.</param>
/// <param name="Reason">Why it went to a person ("router chose 'desk'", "rule 'complaint' requires 'desk'", "the user asked for a person").</param>
/// <param name="RouteId">The routing decision.</param>
/// <param name="Conversation">The conversation so far, as the desk may see it (redacted when the profile says RedactLocal).</param>
public sealed record OperatorHandoff(TargetDefinition Target, string Reason, string? RouteId, IReadOnlyList<TicketMessage> Conversation);

/// <summary>The ticket a request waits on.</summary>
/// <param name="Ticket">The ticket.</param>
/// <param name="LastSeq">The last message the request brought; its answer is the first operator message after it.</param>
/// <param name="Continued">Whether the request followed up an answered ticket rather than opening one.</param>
public sealed record OpenedTicket(Ticket Ticket, int LastSeq, bool Continued);

/// <summary>
/// The human-operator queue: opens tickets for requests that reach a human target, wakes the requests waiting on a
/// ticket when an operator answers, and has the human target's draft target write an AI draft for the operator.
/// Waiting is signalled in-process and re-checked from the store every <see cref="RecheckInterval"/>, so an answer
/// written by another process or node reaches the waiter too.
/// </summary>
public sealed class OperatorDesk(ITicketStore tickets, IRouteLog routes, IServiceProvider services, ILogger<OperatorDesk>? logger = null)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _drafts = new(StringComparer.Ordinal);
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>How often a waiting request reads the store again, for answers given on another node.</summary>
    public TimeSpan RecheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The ticket store.</summary>
    public ITicketStore Tickets => tickets;

    /// <summary>Most answered tickets scanned for the one a follow-up continues.</summary>
    private const int FollowUpScan = 1000;

    /// <summary>
    /// Opens a ticket for <paramref name="handoff"/> and starts its AI draft when the human target names a draft target.
    /// A follow-up — the conversation of an answered, open ticket (the operator's answers echoed back as assistant
    /// turns) plus new user messages — goes on in that ticket instead, back in the queue, so the operator keeps the
    /// thread. The request waits for operator messages after <see cref="OpenedTicket.LastSeq"/>.
    /// </summary>
    public async Task<OpenedTicket> OpenAsync(OperatorHandoff handoff, CancellationToken cancel)
    {
        if (await ContinueAsync(handoff, cancel) is { } continued) return continued;
        var opening = new Ticket { Reason = handoff.Reason, RouteId = handoff.RouteId };
        // The draft is registered before the ticket is visible, so whoever sees the ticket can wait for its draft.
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (handoff.Target.DraftTarget is { Length: > 0 } drafter) StartDraft(opening.Id, drafter, created.Task);
        try
        {
            var ticket = await tickets.CreateTicketAsync(opening, handoff.Conversation, cancel);
            created.SetResult();
            _logger.LogInformation("ticket {Ticket} opened for human target '{Target}': {Reason}", ticket.Id, handoff.Target.Name, handoff.Reason);
            return new OpenedTicket(ticket, handoff.Conversation.Count, Continued: false);
        }
        catch (Exception e)
        {
            created.SetException(e);
            throw;
        }
    }

    /// <summary>Appends a follow-up to the answered ticket whose conversation it extends, or null when none does.</summary>
    private async Task<OpenedTicket?> ContinueAsync(OperatorHandoff handoff, CancellationToken cancel)
    {
        var conversation = handoff.Conversation;
        var known = conversation.Count;
        while (known > 0 && conversation[known - 1].Role == "user") known--;
        // Only a conversation that already holds an answer can be a follow-up.
        if (known == conversation.Count || !conversation.Take(known).Any(m => m.Role == "assistant")) return null;
        var thread = conversation.Take(known).Select(m => (m.Role, m.Content)).ToList();
        foreach (var ticket in (await tickets.ListTicketsAsync(TicketStatus.Answered, FollowUpScan, cancel)).Reverse())
        {
            var messages = await tickets.ListMessagesAsync(ticket.Id, cancel);
            var seen = messages.Where(m => m.Role != "draft").Select(m => (m.Role == "operator" ? "assistant" : m.Role, m.Content));
            if (!seen.SequenceEqual(thread)) continue;
            var last = 0;
            foreach (var message in conversation.Skip(known))
                last = (await tickets.AddMessageAsync(ticket.Id, TicketMessage.New("user", message.Content), cancel)).Seq;
            _logger.LogInformation("ticket {Ticket}: the client followed up; back in the queue", ticket.Id);
            if (handoff.Target.DraftTarget is { Length: > 0 } drafter) StartDraft(ticket.Id, drafter, Task.CompletedTask);
            return new OpenedTicket(ticket with { Status = TicketStatus.Waiting }, last, Continued: true);
        }
        return null;
    }

    /// <summary>Wakes the requests waiting on <paramref name="ticketId"/> (an operator answered it).</summary>
    public void Signal(string ticketId)
    {
        if (_signals.TryRemove(ticketId, out var signal)) signal.TrySetResult();
    }

    /// <summary>
    /// Waits for the first operator message after <paramref name="afterSeq"/> and returns it; an answer given anywhere
    /// (this process, another node) is found within <see cref="RecheckInterval"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">the caller stopped waiting (SLA, client gone); the ticket stays open.</exception>
    /// <exception cref="TicketClosedException">the ticket was closed without an answer.</exception>
    public async Task<TicketMessage> WaitForAnswerAsync(string ticketId, int afterSeq, CancellationToken cancel)
    {
        while (true)
        {
            // Take the signal before reading, so an answer stored between the read and the wait still wakes us.
            var signal = _signals.GetOrAdd(ticketId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var answer = (await tickets.ListMessagesAsync(ticketId, cancel)).FirstOrDefault(m => m.Seq > afterSeq && m.Role == "operator");
            if (answer is not null) return answer;
            if (await tickets.FindTicketAsync(ticketId, cancel) is { Status: TicketStatus.Closed }) throw new TicketClosedException(ticketId);
            try
            {
                await signal.Task.WaitAsync(RecheckInterval, cancel);
            }
            catch (TimeoutException)
            {
                // Re-read the store: another node may have answered.
            }
            catch (OperationCanceledException)
            {
                // Nobody waits on this ticket any more (SLA, client gone): drop its signal unless an answer took it.
                _signals.TryRemove(new KeyValuePair<string, TaskCompletionSource>(ticketId, signal));
                throw;
            }
        }
    }

    /// <summary>The routing decision a ticket came from, when it is still known.</summary>
    public RouteDecision? DecisionOf(Ticket ticket) => ticket.RouteId is { } id ? routes.Find(id) : null;

    /// <summary>The human target a ticket's decision reached (the first human target of its order), when known.</summary>
    public TargetDefinition? HumanTargetOf(Ticket ticket)
    {
        if (DecisionOf(ticket) is not { } decision || services.GetService<RouterHost>() is not { } host) return null;
        foreach (var name in decision.Order)
            if (host.Setup.Targets.TryGetValue(name, out var t) && t.Kind == TargetKind.Human) return t;
        return null;
    }

    /// <summary>
    /// (Re)generates the ticket's AI draft in the background: by <paramref name="target"/> when given (a second
    /// opinion), otherwise by the human target's draft target; false when no target is given and the ticket's human
    /// target names none.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> is a human target.</exception>
    public bool RequestDraft(Ticket ticket, TargetDefinition? target = null)
    {
        if (target is { Kind: TargetKind.Human })
            throw new ArgumentException($"target: '{target.Name}' is a human target; ask a local or remote target for a draft");
        var name = target?.Name ?? HumanTargetOf(ticket)?.DraftTarget;
        if (string.IsNullOrEmpty(name)) return false;
        StartDraft(ticket.Id, name, Task.CompletedTask);
        return true;
    }

    /// <summary>The configured local and remote targets, by name: those an operator may ask for a draft.</summary>
    public IReadOnlyList<TargetDefinition> DraftTargets() =>
        services.GetService<RouterHost>() is { } host
            ? [.. host.Setup.Targets.Values.Where(t => t.Kind != TargetKind.Human).OrderBy(t => t.Name, StringComparer.Ordinal)]
            : [];

    /// <summary>
    /// Refuses a second-opinion <paramref name="target"/> more public than the ticket's routing allowed: the privacy
    /// policy's local-only findings and any LimitPrivacy rule that applied bound where the conversation may go, for a
    /// draft as for the routed answer. A ticket without a known decision has no such bound.
    /// </summary>
    /// <exception cref="ArgumentException">the target's privacy class is beyond the bound (400 naming why).</exception>
    public void RequirePrivacyAllows(Ticket ticket, TargetDefinition target)
    {
        if (DecisionOf(ticket) is not { } decision) return;
        if (decision.Privacy is { RequiresLocal: true } findings && target.Privacy > PrivacyClass.Local)
            throw new ArgumentException($"target: '{target.Name}' has privacy class {target.Privacy.ToString().ToLowerInvariant()}, but ticket {ticket.Id}'s "
                + $"conversation holds {string.Join(", ", findings.LocalOnlyTypes.Select(t => t.WireName()))}, which stays on local targets; ask a local target");
        if (services.GetService<RouterHost>() is not { } host || !host.Setup.Profiles.TryGetValue(decision.Profile, out var profile)) return;
        foreach (var rule in profile.Rules)
            if (rule.Action == RuleAction.LimitPrivacy && rule.MaxPrivacy is { } limit && target.Privacy > limit
                && decision.AppliedRules.Contains(rule.Name, StringComparer.Ordinal))
                throw new ArgumentException($"target: '{target.Name}' has privacy class {target.Privacy.ToString().ToLowerInvariant()}, but rule '{rule.Name}' of "
                    + $"profile '{profile.Name}' kept ticket {ticket.Id}'s conversation on {limit.ToString().ToLowerInvariant()} targets or closer");
    }

    /// <summary>The configured target named <paramref name="name"/>, for a draft.</summary>
    /// <exception cref="ArgumentException">no target has that name, or it is a human target (400 naming it).</exception>
    public TargetDefinition DraftTargetNamed(string name)
    {
        if (services.GetService<RouterHost>() is not { } host || !host.Setup.Targets.TryGetValue(name, out var target))
        {
            var known = string.Join(", ", DraftTargets().Select(t => t.Name));
            throw new ArgumentException($"target: '{name}' is not a configured target; ask one of: {(known.Length > 0 ? known : "(none configured)")}");
        }
        if (target.Kind == TargetKind.Human)
            throw new ArgumentException($"target: '{name}' is a human target; ask a local or remote target for a draft");
        return target;
    }

    /// <summary>The drafts being written for a ticket, if any (tests wait on them).</summary>
    public Task? DraftInProgress(string ticketId) => _drafts.TryGetValue(ticketId, out var t) ? t : null;

    private void StartDraft(string ticketId, string draftTarget, Task created)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await created;
            }
            catch (Exception)
            {
                return; // the ticket was not opened (its opener reports why)
            }
            await WriteDraftAsync(ticketId, draftTarget);
        });
        // Drafts by several targets may run at once (a second opinion): whoever waits, waits for all of them.
        var all = _drafts.AddOrUpdate(ticketId, task, (_, running) => Task.WhenAll(running, task));
        _ = all.ContinueWith(t => _drafts.TryRemove(new KeyValuePair<string, Task>(ticketId, t)), TaskScheduler.Default);
    }

    private async Task WriteDraftAsync(string ticketId, string draftTarget)
    {
        try
        {
            var host = services.GetRequiredService<RouterHost>();
            if (!host.Setup.Targets.TryGetValue(draftTarget, out var target))
            {
                _logger.LogWarning("ticket {Ticket}: draft target '{Target}' is not configured; no draft", ticketId, draftTarget);
                return;
            }
            var conversation = (await tickets.ListMessagesAsync(ticketId)).Where(m => m.Role is "user" or "assistant" or "system").ToList();
            using var timeout = new CancellationTokenSource(target.Timeout);
            var text = await services.GetRequiredService<RoutedInference>().AnswerTextAsync(target, conversation, timeout.Token);
            await tickets.AddMessageAsync(ticketId, TicketMessage.New("draft", text, target.Name));
        }
        catch (TicketClosedException)
        {
            // Closed before the draft was ready: nobody needs it.
        }
        catch (Exception e)
        {
            _logger.LogWarning("ticket {Ticket}: the AI draft by '{Target}' failed: {Reason}", ticketId, draftTarget, e.Message);
        }
    }
}
