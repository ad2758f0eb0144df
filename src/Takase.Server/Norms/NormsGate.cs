using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Engine.Templates;
using Takase.Routing;
using Takase.Routing.Norms;
using Takase.Routing.Remote;
using Takase.Routing.Targets;
using Takase.Server.Access;
using Takase.Server.Inference;
using Takase.Server.Models;
using Takase.Server.Operators;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Norms;

/// <summary>
/// Where the norms meet a request. Direct-model requests go through <see cref="ChatAsync"/> and
/// <see cref="CompleteAsync"/> here; routed ones through <see cref="RoutedInference"/>, which takes the profile from
/// <see cref="For"/>. Either way the input rules and overlays apply before anything runs, a Refuse answers the
/// configured message, and output rules hold the answer back until it is judged (<see cref="NormsOutput"/>).
/// </summary>
public sealed class NormsGate(NormsCatalog catalog, NormsOptions options, IServiceProvider services)
{
    /// <summary>The header that names the norms of a direct-model request: "strict; version=2; rule=…; action=…; stage=…".</summary>
    public const string Header = "x-takase-norms";

    /// <summary>The profiles and assignments.</summary>
    public NormsCatalog Catalog => catalog;

    /// <summary>Labels text for classifier rules through the router's targets.</summary>
    internal INormsClassifier Classifier => new TargetClassifier(services.GetService<RouterHost>(), services.GetRequiredService<InferenceService>());

    /// <summary>The norms of a routed request for <paramref name="profile"/>, or null when none apply (or no norms are registered).</summary>
    public static NormsRequest? Routed(HttpContext http, string profile) =>
        http.RequestServices.GetService<NormsGate>() is { } gate && gate.For(http, profile) is { } norms ? new NormsRequest(norms, gate) : null;

    /// <summary>A direct-model chat under the caller's norms when norms are registered, else <paramref name="start"/> as it is.</summary>
    public static Task<IAnswerSession> StartChatAsync(HttpContext http, ChatCall call, Func<ChatCall, CancellationToken, Task<IAnswerSession>> start) =>
        http.RequestServices.GetService<NormsGate>() is { } gate ? gate.ChatAsync(http, call, start) : start(call, http.RequestAborted);

    /// <summary>A direct-model completion under the caller's norms when norms are registered, else <paramref name="start"/> as it is.</summary>
    public static Task<IAnswerSession> StartCompletionAsync(HttpContext http, CompletionCall call, Func<CompletionCall, CancellationToken, Task<IAnswerSession>> start) =>
        http.RequestServices.GetService<NormsGate>() is { } gate ? gate.CompleteAsync(http, call, start) : start(call, http.RequestAborted);

    /// <summary>The profile a request follows (its key's, else its router profile's, else the default), or null.</summary>
    public NormsProfile? For(HttpContext http, string? routerProfile) => catalog.For(http.Caller(), routerProfile);

    /// <summary>The SYSTEM of a library model, for overlays when the request has no system message; null when none or unknown.</summary>
    internal string? ModelSystem(string model) => services.GetService<ModelCatalog>()?.Find(model)?.Stored?.System;

    /// <summary>A direct-model chat under the caller's norms; <paramref name="start"/> runs the (screened) call on its model.</summary>
    public async Task<IAnswerSession> ChatAsync(HttpContext http, ChatCall call, Func<ChatCall, CancellationToken, Task<IAnswerSession>> start)
    {
        if (For(http, null) is not { } profile) return await start(call, http.RequestAborted);
        var input = await NormsInput.ScreenAsync(profile, call, Classifier, http.RequestAborted);
        call = input.Apply(call, ModelSystem(call.Model));
        return await DirectAsync(http, input, call.Model, Conversation(call.Messages), (target, token) => target is null
            ? start(call, token)
            : target.Kind == TargetKind.Local
                ? start(call with { Model = ModelOf(target) }, token)
                : Task.FromResult<IAnswerSession>(RemoteAnswerSession.Stream(target.Name, ModelOf(target), RemoteClient(target).StreamChatAsync(new RemoteChatCall
                {
                    Messages = [.. call.Messages.Select(m => new RemoteMessage(m.Role, m.Content))],
                    MaxTokens = call.Options.MaxTokens >= 0 ? call.Options.MaxTokens : null,
                }, token))));
    }

    /// <summary>A direct-model completion under the caller's norms.</summary>
    public async Task<IAnswerSession> CompleteAsync(HttpContext http, CompletionCall call, Func<CompletionCall, CancellationToken, Task<IAnswerSession>> start)
    {
        if (For(http, null) is not { } profile) return await start(call, http.RequestAborted);
        var input = await NormsInput.ScreenAsync(profile, call, Classifier, http.RequestAborted);
        call = input.Apply(call, call.Raw ? null : ModelSystem(call.Model));
        List<ChatMessage> messages = [.. call.System is { Length: > 0 } s ? [new ChatMessage("system", s)] : Array.Empty<ChatMessage>(), new ChatMessage("user", call.Prompt)];
        return await DirectAsync(http, input, call.Model, Conversation(messages), (target, token) => target is null
            ? start(call, token)
            : target.Kind == TargetKind.Local
                ? start(call with { Model = ModelOf(target) }, token)
                : Task.FromResult<IAnswerSession>(RemoteAnswerSession.Stream(target.Name, ModelOf(target), call.Raw
                    ? RemoteClient(target).StreamCompleteAsync(new RemoteTextCall { Prompt = call.Prompt }, token)
                    : RemoteClient(target).StreamChatAsync(new RemoteChatCall { Messages = [.. messages.Select(m => new RemoteMessage(m.Role, m.Content))] }, token))));
    }

    /// <summary>
    /// The input verdict carried out for a direct-model request: refuse with the message, escalate to the operator
    /// desk, route to a router target, or answer with the model asked for; the header names the norms, and output rules
    /// wrap the answer.
    /// </summary>
    private async Task<IAnswerSession> DirectAsync(HttpContext http, NormsInput input, string model, IReadOnlyList<TicketMessage> conversation,
        Func<TargetDefinition?, CancellationToken, Task<IAnswerSession>> start)
    {
        var applied = input.Applied;
        SetHeader(http, applied);
        var verdict = input.Verdict;
        IAnswerSession answer = verdict.Action.Kind switch
        {
            NormsActionKind.Refuse => new NormsAnswerSession(model, verdict.Action.Message!),
            NormsActionKind.Escalate => await EscalateAsync(input, conversation, http.RequestAborted),
            NormsActionKind.Route => await start(RouteTarget(verdict), http.RequestAborted),
            _ => await start(null, http.RequestAborted),
        };
        if (!NormsOutput.Judges(verdict) || !NormsOutput.Applies(input.Profile)) return answer;
        var output = new NormsOutput(input.Profile, Classifier, v => SetHeader(http, applied.With(v, "output")));
        return new NormsOutputSession(answer, output);
    }

    /// <summary>
    /// A direct-model request a rule escalates: a ticket on the operator desk with the conversation and the rule; the
    /// request waits for the answer up to Takase:Norms:EscalationWait, then is told its ticket (the ticket stays open).
    /// </summary>
    private async Task<IAnswerSession> EscalateAsync(NormsInput input, IReadOnlyList<TicketMessage> conversation, CancellationToken cancel)
    {
        var desk = services.GetService<OperatorDesk>()
            ?? throw new RoutingException($"the norms rule '{input.Verdict.Rule}' escalates to a person, and this server has no operator desk (it needs the router and the store)");
        var person = new TargetDefinition { Name = $"norms:{input.Profile.Name}", Kind = TargetKind.Human, Timeout = options.EscalationWait };
        var reason = $"the norms profile '{input.Profile.Name}' (version {input.Profile.Version}) rule '{input.Verdict.Rule}' escalates to a person";
        var (ticket, lastSeq, _) = await desk.OpenAsync(new OperatorHandoff(person, reason, null, conversation), cancel);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(options.EscalationWait);
        try
        {
            var answer = await desk.WaitForAnswerAsync(ticket.Id, lastSeq, wait.Token);
            return new OperatorAnswerSession(person.Name, answer.Content, TimeSpan.Zero);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new NormsAnswerSession(person.Name, $"A person will answer this request: ticket {ticket.Id} (GET /api/operator/tickets/{ticket.Id}).");
        }
    }

    /// <summary>The router target a Route rule names (checked when the profile was configured; checked again here).</summary>
    private TargetDefinition RouteTarget(NormsVerdict verdict) =>
        services.GetService<RouterHost>() is { } host && host.Setup.Targets.TryGetValue(verdict.Action.Target!, out var target) && target.Kind != TargetKind.Human
            ? target
            : throw new RoutingException($"the norms rule '{verdict.Rule}' routes to '{verdict.Action.Target}', which is not a local or remote target of Takase:Router:Targets");

    private RemoteTargetClient RemoteClient(TargetDefinition target) => services.GetRequiredService<RouterHost>().RemoteClient(target);

    /// <summary>A target's model (its Model, else its name).</summary>
    private static string ModelOf(TargetDefinition target) => string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;

    /// <summary>A request's messages as a ticket keeps them.</summary>
    internal static List<TicketMessage> Conversation(IEnumerable<ChatMessage> messages) =>
        [.. messages.Where(m => TicketMessage.Roles.Contains(m.Role)).Select(m => TicketMessage.New(m.Role, m.Content ?? ""))];

    /// <summary>Names the norms in the response header while it can still be set.</summary>
    private static void SetHeader(HttpContext http, NormsApplied applied)
    {
        if (http.Response.HasStarted) return;
        var value = $"{applied.Name}; version={applied.Version}";
        if (applied.Rule is not null) value += $"; rule={applied.Rule}; action={applied.Action}; stage={applied.Stage}";
        http.Response.Headers[Header] = value;
    }
}
