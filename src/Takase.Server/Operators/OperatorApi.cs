using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Access;
using Takase.Server.Ollama;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Operators;

/// <summary>
/// The operator API under /api/operator (role operator or admin, by <see cref="AccessPolicy"/>): the queue, a ticket
/// with its conversation, drafts and routing explanation, the targets that may write a draft, and the actions answer,
/// assign, close, rating, draft (by the default or a named target) and preference between two targets' drafts — each audited with who did what, when. Also the client's poll, GET /api/tickets/{id}. Handlers stay thin: the
/// store keeps tickets, the <see cref="OperatorDesk"/> wakes the waiting request.
/// </summary>
public static class OperatorApi
{
    /// <summary>Most tickets one listing returns.</summary>
    public const int MaxList = 1000;

    /// <summary>Maps the routes.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/operator/whoami", (HttpContext http) =>
            Write(http, new { name = http.Caller().Name, role = AccessGate.Name(http.Caller().Role) }));
        app.MapGet("/api/operator/tickets", ListAsync);
        app.MapGet("/api/operator/tickets/{id}", DetailAsync);
        app.MapPost("/api/operator/tickets/{id}/answer", AnswerAsync);
        app.MapPost("/api/operator/tickets/{id}/assign", AssignAsync);
        app.MapPost("/api/operator/tickets/{id}/close", CloseAsync);
        app.MapPost("/api/operator/tickets/{id}/rating", RateAsync);
        app.MapPost("/api/operator/tickets/{id}/draft", DraftAsync);
        app.MapPost("/api/operator/tickets/{id}/preference", PreferAsync);
        app.MapGet("/api/operator/targets", (HttpContext http, OperatorDesk desk) =>
            Write(http, new { targets = desk.DraftTargets().Select(DraftTargetView.Of).ToList() }));
        app.MapGet("/api/tickets/{id}", PollAsync);
    }

    private static async Task ListAsync(HttpContext http, OperatorDesk desk)
    {
        var limit = AdminApi.Limit(http.Request, 100, MaxList);
        var status = http.Request.Query["status"].ToString() is { Length: > 0 } s ? s.ToLowerInvariant() : "open";
        TicketStatus?[] statuses = status switch
        {
            "open" => [TicketStatus.Waiting, TicketStatus.Answered],
            "waiting" => [TicketStatus.Waiting],
            "answered" => [TicketStatus.Answered],
            "closed" => [TicketStatus.Closed],
            "all" => [null],
            _ => throw new ArgumentException($"status: must be open, waiting, answered, closed or all, not '{status}'"),
        };
        var found = new List<Ticket>();
        foreach (var st in statuses) found.AddRange(await desk.Tickets.ListTicketsAsync(st, limit, http.RequestAborted));
        var queue = found.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal).Take(limit).ToList();
        var now = DateTimeOffset.UtcNow;
        var views = new List<TicketView>(queue.Count);
        // TODO(store): one query for previews and draft flags when queues grow past a few hundred open tickets.
        foreach (var t in queue) views.Add(TicketView.Of(t, await desk.Tickets.ListMessagesAsync(t.Id, http.RequestAborted), desk.DecisionOf(t)?.Profile, now));
        await Write(http, new { tickets = views });
    }

    private static async Task DetailAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        var messages = await desk.Tickets.ListMessagesAsync(id, http.RequestAborted);
        var decision = desk.DecisionOf(ticket);
        await Write(http, new TicketDetailView(
            TicketView.Of(ticket, messages, decision?.Profile, DateTimeOffset.UtcNow),
            [.. messages.Select(TicketMessageView.Of)],
            messages.LastOrDefault(m => m.Role == "draft")?.Content,
            [.. messages.Where(m => m.Role == "draft").Select(DraftView.Of)],
            // Exactly what GET /api/routes/{id} answers.
            decision is null ? null : JsonSerializer.SerializeToNode(RouteExplanation.From(decision), OllamaJson.Options)));
    }

    private static async Task AnswerAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var request = await OllamaJson.ReadAsync<AnswerRequest>(http.Request);
        if (string.IsNullOrWhiteSpace(request.Content)) throw new ArgumentException("content: the answer text is required");
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        var messages = await desk.Tickets.ListMessagesAsync(id, http.RequestAborted);
        var caller = http.Caller();
        var stored = await desk.Tickets.AddMessageAsync(id, TicketMessage.New("operator", request.Content, caller.Name), http.RequestAborted);
        desk.Signal(id);
        // An operator who rewrites the AI draft teaches the router what the draft target got wrong.
        var draft = messages.LastOrDefault(m => m.Role == "draft");
        var edited = draft is not null && draft.Content != request.Content;
        if (edited && http.RequestServices.GetService<FeedbackRecorder>() is { } feedback)
            await feedback.RecordAsync(new FeedbackEvent
            {
                Kind = FeedbackKind.Edit,
                Author = AuthorOf(caller),
                RouteId = ticket.RouteId,
                TicketId = id,
                Target = draft!.Author,
                Prompt = messages.LastOrDefault(m => m.Role == "user")?.Content,
                Answer = draft.Content,
                EditedText = request.Content,
            }, http.RequestAborted);
        if (request.Close) await desk.Tickets.CloseTicketAsync(id, http.RequestAborted);
        await AdminApi.AuditAsync(http, Audit(http), "ticket.answer", id, new { seq = stored.Seq, edited_draft = edited, closed = request.Close });
        await Write(http, new { message = TicketMessageView.Of(stored) });
    }

    private static async Task AssignAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var request = await OllamaJson.ReadAsync<AssignRequest>(http.Request);
        var assignee = string.IsNullOrWhiteSpace(request.Assignee) ? null : request.Assignee.Trim();
        Ticket ticket;
        try
        {
            // Releasing, or taking over on purpose, simply sets the assignee; a claim must find the ticket free (or
            // already this operator's), so two operators — on any nodes — cannot both believe they hold it.
            ticket = assignee is null || request.Force
                ? await desk.Tickets.AssignTicketAsync(id, assignee, http.RequestAborted)
                : await desk.Tickets.ClaimTicketAsync(id, assignee, http.RequestAborted);
        }
        catch (TicketTakenException e)
        {
            await OllamaJson.WriteAsync(http.Response, new { error = e.Message, assignee = e.Holder }, StatusCodes.Status409Conflict);
            return;
        }
        await AdminApi.AuditAsync(http, Audit(http), assignee is null ? "ticket.release" : "ticket.assign", id, new { assignee, force = request.Force });
        await WriteTicketAsync(http, desk, ticket);
    }

    private static async Task CloseAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var ticket = await desk.Tickets.CloseTicketAsync(id, http.RequestAborted);
        desk.Signal(id); // a request still waiting learns that no answer will come
        await AdminApi.AuditAsync(http, Audit(http), "ticket.close", id, new { });
        await WriteTicketAsync(http, desk, ticket);
    }

    private static async Task RateAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var request = await OllamaJson.ReadAsync<RatingRequest>(http.Request);
        var (thumb, score) = RatingOf(request.Rating);
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        var messages = await desk.Tickets.ListMessagesAsync(id, http.RequestAborted);
        // The draft when there is one; otherwise the answer the router's target gave.
        var draft = messages.LastOrDefault(m => m.Role == "draft");
        var answered = desk.DecisionOf(ticket)?.Hops.LastOrDefault(h => h.Outcome == "ok")?.Target;
        var feedback = new FeedbackEvent
        {
            Kind = FeedbackKind.Rating,
            Author = AuthorOf(http.Caller()),
            RouteId = ticket.RouteId,
            TicketId = id,
            Target = draft?.Author ?? answered,
            Thumb = thumb,
            Score = score,
            Prompt = messages.LastOrDefault(m => m.Role == "user")?.Content,
            Answer = draft?.Content ?? messages.LastOrDefault(m => m.Role == "assistant")?.Content,
            Comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment,
        };
        var recording = await http.RequestServices.GetRequiredService<FeedbackRecorder>().RecordAsync(feedback, http.RequestAborted);
        await AdminApi.AuditAsync(http, Audit(http), "ticket.rating", id, new { feedback = feedback.Id, thumb, score, target = feedback.Target });
        await Write(http, new { id = feedback.Id, queued = recording == FeedbackRecording.Queued }, StatusCodes.Status201Created);
    }

    private static async Task DraftAsync(HttpContext http, OperatorDesk desk, string id)
    {
        // The body is optional: none (or no "target") regenerates the default draft.
        var hasBody = http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? http.Request.ContentLength > 0;
        var request = hasBody ? await OllamaJson.ReadAsync<DraftRequest>(http.Request) : new DraftRequest();
        var named = request.Target is { } name
            ? desk.DraftTargetNamed(string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("target: name a local or remote target, or leave it out for the default draft") : name.Trim())
            : null;
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        if (ticket.Status == TicketStatus.Closed) throw new TicketClosedException(id);
        if (named is not null) desk.RequirePrivacyAllows(ticket, named);
        if (!desk.RequestDraft(ticket, named))
        {
            await Write(http, new { error = $"ticket {id} has no draft target: set Takase:Router:Targets:<human target>:DraftTarget to a local or remote target, or name one in {{\"target\": …}}" },
                StatusCodes.Status409Conflict);
            return;
        }
        await AdminApi.AuditAsync(http, Audit(http), "ticket.draft", id, new { target = named?.Name });
        await Write(http, new { ticket_id = id, status = "drafting", target = named?.Name }, StatusCodes.Status202Accepted);
    }

    private static async Task PreferAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var request = await OllamaJson.ReadAsync<PreferenceRequest>(http.Request);
        var chosen = request.Chosen?.Trim();
        var rejected = request.Rejected?.Trim();
        if (string.IsNullOrEmpty(chosen)) throw new ArgumentException("chosen: name the target whose draft is better");
        if (string.IsNullOrEmpty(rejected)) throw new ArgumentException("rejected: name the target whose draft is worse");
        if (chosen == rejected) throw new ArgumentException($"rejected: a preference compares two different targets, not '{chosen}' with itself");
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        var messages = await desk.Tickets.ListMessagesAsync(id, http.RequestAborted);
        var drafts = messages.Where(m => m.Role == "draft").ToList();
        // Only drafts the operator actually saw side by side on this ticket can be compared.
        TicketMessage DraftBy(string field, string target) => drafts.LastOrDefault(m => m.Author == target)
            ?? throw new ArgumentException($"{field}: '{target}' wrote no draft for ticket {id}; drafts are by: "
                + (drafts.Count == 0 ? "(none yet)" : string.Join(", ", drafts.Select(m => m.Author).Distinct())));
        var winner = DraftBy("chosen", chosen);
        DraftBy("rejected", rejected);
        var feedback = new FeedbackEvent
        {
            Kind = FeedbackKind.Preference,
            Author = AuthorOf(http.Caller()),
            RouteId = ticket.RouteId,
            TicketId = id,
            Target = chosen,
            OtherTarget = rejected,
            Prompt = messages.LastOrDefault(m => m.Role == "user")?.Content,
            Answer = winner.Content,
        };
        var recording = await http.RequestServices.GetRequiredService<FeedbackRecorder>().RecordAsync(feedback, http.RequestAborted);
        await AdminApi.AuditAsync(http, Audit(http), "ticket.preference", id, new { feedback = feedback.Id, chosen, rejected });
        await Write(http, new { id = feedback.Id, queued = recording == FeedbackRecording.Queued }, StatusCodes.Status201Created);
    }

    private static async Task PollAsync(HttpContext http, OperatorDesk desk, string id)
    {
        var ticket = await RequireAsync(desk, id, http.RequestAborted);
        var answers = (await desk.Tickets.ListMessagesAsync(id, http.RequestAborted)).Where(m => m.Role == "operator").Select(TicketMessageView.Of).ToList();
        await Write(http, new ClientTicketView(ticket.Id, TicketView.Name(ticket.Status), answers.LastOrDefault()?.Content, answers));
    }

    /// <summary>"up"/"down" → thumb; 1..5 → score.</summary>
    /// <exception cref="ArgumentException">anything else (400 naming the field).</exception>
    internal static (int? Thumb, int? Score) RatingOf(JsonElement rating) => rating.ValueKind switch
    {
        JsonValueKind.String when rating.GetString() is "up" => (1, null),
        JsonValueKind.String when rating.GetString() is "down" => (-1, null),
        JsonValueKind.Number when rating.TryGetInt32(out var n) && n is >= 1 and <= 5 => (null, n),
        JsonValueKind.Undefined or JsonValueKind.Null => throw new ArgumentException("rating: required, \"up\", \"down\" or a score from 1 to 5"),
        _ => throw new ArgumentException($"rating: must be \"up\", \"down\" or a score from 1 to 5, not {rating.GetRawText()}"),
    };

    private static async Task<Ticket> RequireAsync(OperatorDesk desk, string id, CancellationToken cancel) =>
        await desk.Tickets.FindTicketAsync(id, cancel) ?? throw new RecordNotFoundException($"ticket {id} does not exist");

    private static async Task WriteTicketAsync(HttpContext http, OperatorDesk desk, Ticket ticket) =>
        await Write(http, new { ticket = TicketView.Of(ticket, await desk.Tickets.ListMessagesAsync(ticket.Id, http.RequestAborted), desk.DecisionOf(ticket)?.Profile, DateTimeOffset.UtcNow) });

    private static string? AuthorOf(Caller caller) => caller == Caller.Local ? null : caller.Id;

    private static IAuditLog Audit(HttpContext http) => http.RequestServices.GetRequiredService<IAuditLog>();

    private static Task Write<T>(HttpContext http, T value, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(value, OperatorJson.Options), http.RequestAborted).AsTask();
    }
}
