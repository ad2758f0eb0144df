using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Server.Persistence;

namespace Takase.Server.Feedback;

/// <summary>
/// Fills in what a feedback event leaves to its context, so events recorded with only a route or a ticket still
/// teach the router. A route decision holds no prompt (it is not kept with decisions, for privacy), so:
/// <list type="bullet">
/// <item>the prompt is the event's own, else its ticket's (by ticket id, else the ticket opened for its route id):
/// the last user message before the first draft or operator answer — the text the router scored;</item>
/// <item>the rated or edited target is the event's own, else the target that answered on the route (its last
/// "ok" hop), else the route's first choice — unless that is a human target (a person's answer is not what an
/// edit corrects: the operator API records the AI draft's target on the edit);</item>
/// <item>for an edit, the target credited with the correction is the event's other target, else the route's
/// strongest candidate (the last of the profile's candidates, often the human desk) when it is not the edited one.</item>
/// </list>
/// </summary>
/// <param name="routes">The route log (decisions by id).</param>
/// <param name="tickets">Tickets, for prompts of events recorded with only a ticket or route; null: none.</param>
/// <param name="isHuman">Whether a target name is a human target (from the router's setup); null: none is.</param>
public sealed class FeedbackContext(IRouteLog routes, ITicketStore? tickets, Func<string, bool>? isHuman = null)
{
    /// <summary>Most tickets scanned to find the one opened for a route id.</summary>
    public const int TicketScan = 10_000;

    private Dictionary<string, Ticket>? _ticketsByRoute;

    /// <summary>The decision an event's route id names, if it is still known.</summary>
    public RouteDecision? DecisionOf(FeedbackEvent e) => e.RouteId is { Length: > 0 } id ? routes.Find(id) : null;

    /// <summary>The event with its prompt and targets filled in where the context knows them.</summary>
    public async Task<FeedbackEvent> ResolveAsync(FeedbackEvent e, CancellationToken cancel = default)
    {
        var decision = DecisionOf(e);
        var resolved = e;
        if (string.IsNullOrWhiteSpace(e.Prompt) && await PromptFromTicketAsync(e, cancel) is { } prompt)
            resolved = resolved with { Prompt = prompt };
        if (decision is null) return resolved;
        if (string.IsNullOrWhiteSpace(resolved.Target) && e.Kind != FeedbackKind.Preference
            && AnsweredBy(decision) is { } answered && !(isHuman?.Invoke(answered) ?? false))
            resolved = resolved with { Target = answered };
        if (e.Kind == FeedbackKind.Edit && string.IsNullOrWhiteSpace(resolved.OtherTarget)
            && decision.Candidates.Count > 0 && decision.Candidates[^1].Target is var strongest && strongest != resolved.Target)
            resolved = resolved with { OtherTarget = strongest };
        return resolved;
    }

    /// <summary>Every event resolved, in order.</summary>
    public async Task<IReadOnlyList<FeedbackEvent>> ResolveAllAsync(IEnumerable<FeedbackEvent> events, CancellationToken cancel = default)
    {
        var result = new List<FeedbackEvent>();
        foreach (var e in events) result.Add(await ResolveAsync(e, cancel));
        return result;
    }

    private static string? AnsweredBy(RouteDecision decision) =>
        decision.Hops.LastOrDefault(h => h.Outcome == HopOutcomes.Ok)?.Target ?? decision.Order.FirstOrDefault();

    private async Task<string?> PromptFromTicketAsync(FeedbackEvent e, CancellationToken cancel)
    {
        if (tickets is null) return null;
        Ticket? ticket = null;
        if (e.TicketId is { Length: > 0 } ticketId) ticket = await tickets.FindTicketAsync(ticketId, cancel);
        else if (e.RouteId is { Length: > 0 } routeId)
        {
            _ticketsByRoute ??= (await tickets.ListTicketsAsync(null, TicketScan, cancel))
                .Where(t => t.RouteId is not null)
                .GroupBy(t => t.RouteId!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            _ticketsByRoute.TryGetValue(routeId, out ticket);
        }
        if (ticket is null) return null;
        var messages = await tickets.ListMessagesAsync(ticket.Id, cancel);
        var beforeAnswers = messages.TakeWhile(m => m.Role is not ("draft" or "operator"));
        return beforeAnswers.LastOrDefault(m => m.Role == "user")?.Content ?? messages.LastOrDefault(m => m.Role == "user")?.Content;
    }
}
