using System.Text.Json;
using Takase.Engine.Models;
using Takase.Engine.Scheduling;
using Takase.Engine.Templates;
using Takase.Routing.Cascade;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Routing.Norms;
using Takase.Routing.Privacy;
using Takase.Routing.Remote;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using Takase.Server.Inference;
using Takase.Server.Models;
using Takase.Server.Norms;
using Takase.Server.Operators;
using Takase.Server.Persistence;

namespace Takase.Server.Routing;

/// <summary>
/// Answers requests for a router profile: the request becomes a <see cref="RouteRequest"/> (messages, tools and JSON
/// flags, the answer's token limit), the router decides, and the executor tries the decision's targets — local models
/// through the <see cref="InferenceService"/>, remote ones through their OpenAI-compatible client — until one commits
/// an answer. The endpoints then stream it like a local answer and add the explanation.
/// </summary>
public sealed class RoutedInference(RouterHost host, InferenceService inference, OperatorDesk? desk = null)
{
    /// <summary>The router host (targets, profiles, circuits).</summary>
    public RouterHost Host => host;

    /// <summary>Whether <paramref name="model"/> names a router profile rather than a model.</summary>
    public bool IsProfile(string? model) => !string.IsNullOrWhiteSpace(model) && host.Router.IsProfile(model);

    /// <summary>
    /// Routes a chat. <paramref name="call"/> is the request as a whole (its Model is the profile), used for the
    /// decision and for remote targets; <paramref name="localCall"/> builds the call for a local target's model (with
    /// that model's defaults and checks). Under a privacy policy, every message text and tool-call argument is screened
    /// first: remote targets get the redacted conversation, the router the screened one.
    /// </summary>
    /// <exception cref="Takase.Routing.RoutingException">no candidate can take the request, or none could answer.</exception>
    /// <exception cref="PiiBlockedException">the conversation holds personal data the profile blocks.</exception>
    /// <exception cref="HandedToOperatorException">a person answers and the client asked not to wait (<paramref name="wait"/>).</exception>
    public async Task<RoutedSession> ChatAsync(ChatCall call, Func<string, ChatCall> localCall, bool stream, CancellationToken cancel,
        OperatorWait? wait = null, NormsRequest? norms = null)
    {
        // The norms first, on the text as the privacy screen leaves it: their rewrites and overlays are what the screen,
        // the router and every target then see.
        NormsInput? input = null;
        if (norms is not null) (call, localCall, input) = await norms.ApplyAsync(call, localCall, NormsView(call.Model), cancel);
        // An async method, so a refusal (blocked data) comes out of the task, where callers handle routing errors.
        var screen = ScreenFor(call.Model);
        var routed = new List<RouteMessage>(call.Messages.Count);
        var sent = new List<RemoteMessage>(call.Messages.Count);
        foreach (var m in call.Messages)
        {
            var text = screen?.Screen(m.Content ?? "");
            routed.Add(new RouteMessage(m.Role, text?.ForRouter ?? m.Content ?? ""));
            sent.Add(new RemoteMessage(m.Role, m.Content is null ? null : text?.ForRemote ?? m.Content)
            {
                ToolCalls = m.ToolCalls?.Select(c => new RemoteToolCall(c.Id, c.Name,
                    (screen is null ? c.Arguments : screen.ScreenJson(c.Arguments))?.ToJsonString() ?? "{}")).ToList(),
                ToolCallId = m.ToolCallId,
            });
        }
        screen?.ThrowIfBlocked();
        var remote = RemoteChat(call, sent);
        var desk = Conversation(Redacted(call, screen).Messages.Select(m => (m.Role, m.Content ?? "")));
        return await RunAsync(RequestOf(call.Model, routed, call, tools: call.Tools is { Count: > 0 }, screen, call.Messages.LastOrDefault(m => m.Role == "user")?.Content),
            screen, stream, desk, wait, input, norms, cancel,
            async (target, judged, token) => target.Kind == TargetKind.Local
                ? await inference.ChatAsync(WithLogprobs(Redacted(localCall(LocalModel(target)), screen), judged), token)
                : stream && !judged
                    ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), host.RemoteClient(target).StreamChatAsync(remote, token))
                    : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await host.RemoteClient(target).ChatAsync(WithLogprobs(remote, judged), token)));
    }

    /// <summary>
    /// Routes a completion. A raw prompt goes to remote targets as a text completion (/v1/completions), a templated
    /// one as a chat of its system text and prompt (the remote server applies its own template). Screened like a chat.
    /// </summary>
    /// <exception cref="Takase.Routing.RoutingException">no candidate can take the request, or none could answer.</exception>
    /// <exception cref="PiiBlockedException">the prompt holds personal data the profile blocks.</exception>
    /// <exception cref="HandedToOperatorException">a person answers and the client asked not to wait (<paramref name="wait"/>).</exception>
    public async Task<RoutedSession> CompleteAsync(CompletionCall call, Func<string, CompletionCall> localCall, bool stream, CancellationToken cancel,
        OperatorWait? wait = null, NormsRequest? norms = null)
    {
        NormsInput? input = null;
        if (norms is not null) (call, localCall, input) = await norms.ApplyAsync(call, localCall, NormsView(call.Model), cancel);
        var screen = ScreenFor(call.Model);
        List<RouteMessage> routed = [];
        List<RemoteMessage> sent = [];
        if (!string.IsNullOrEmpty(call.System))
        {
            var system = screen?.Screen(call.System);
            routed.Add(new RouteMessage("system", system?.ForRouter ?? call.System));
            sent.Add(new RemoteMessage("system", system?.ForRemote ?? call.System));
        }
        var prompt = screen?.Screen(call.Prompt);
        routed.Add(new RouteMessage("user", prompt?.ForRouter ?? call.Prompt));
        sent.Add(new RemoteMessage("user", prompt?.ForRemote ?? call.Prompt));
        screen?.ThrowIfBlocked();
        var seen = Redacted(call, screen);
        var desk = Conversation([.. seen.System is { Length: > 0 } instructions ? [("system", instructions)] : Array.Empty<(string, string)>(), ("user", seen.Prompt)]);
        return await RunAsync(RequestOf(call.Model, routed, call, tools: false, screen, call.Prompt), screen, stream, desk, wait, input, norms, cancel, async (target, judged, token) =>
        {
            if (target.Kind == TargetKind.Local) return await inference.CompleteAsync(WithLogprobs(Redacted(localCall(LocalModel(target)), screen), judged), token);
            var client = host.RemoteClient(target);
            if (call.Raw)
            {
                var text = WithLogprobs(Sampled(new RemoteTextCall { Prompt = sent[^1].Content! }, call), judged);
                return stream && !judged
                    ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), client.StreamCompleteAsync(text, token))
                    : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await client.CompleteAsync(text, token));
            }
            var chat = WithLogprobs(Sampled(new RemoteChatCall
            {
                Messages = sent,
                Json = call.Format is OutputFormat.Json,
                JsonSchema = (call.Format as OutputFormat.JsonSchema)?.Schema,
            }, call), judged);
            return stream && !judged
                ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), client.StreamChatAsync(chat, token))
                : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await client.ChatAsync(chat, token));
        });
    }

    /// <summary>
    /// Decides and executes. <paramref name="start"/> starts an answer on a target; its flag asks for an answer a
    /// cascade can judge (whole, with token log-probabilities).
    /// </summary>
    private async Task<RoutedSession> RunAsync(RoutedRequest request, PrivacyScreen? screen, bool stream,
        IReadOnlyList<TicketMessage> conversation, OperatorWait? wait, NormsInput? input, NormsRequest? norms, CancellationToken cancel,
        Func<TargetDefinition, bool, CancellationToken, Task<IAnswerSession>> start)
    {
        var setup = host.Setup;
        var decision = host.Router.Decide(request.Route, host.Executor.IsAvailable);
        setup.Profiles.TryGetValue(decision.Profile, out var profile);
        if (profile is not null) decision = HandoffPolicy.Apply(decision, profile, setup, request.LastUserMessage);
        var cascade = profile is { Strategy: RoutingStrategy.Cascade } ? profile.Cascade ?? new CascadeOptions() : null;
        if (input is not null)
        {
            // The norms' input verdict comes after the router's: a Route or an Escalate puts its target first, a Refuse
            // answers the configured message in place of the first target's answer (which is never asked).
            decision = NormsRouting.Apply(decision, input, setup);
            if (input.Verdict.Diverts) cascade = null;
            if (input.Verdict.Action.Kind == NormsActionKind.Refuse)
            {
                var message = input.Verdict.Action.Message!;
                start = (target, _, _) => Task.FromResult<IAnswerSession>(new NormsAnswerSession(target.Name, message));
            }
        }
        // A cascade judges every answer but the last one it could escalate to — a person, when the profile hands
        // low-confidence answers over, and otherwise its strongest model.
        var human = HandoffPolicy.HumanCandidate(decision, setup);
        var last = profile?.Handoff is { CascadeToHuman: true } && human is not null
            ? human
            : decision.Order.LastOrDefault(t => setup.Targets.TryGetValue(t, out var d) && d.Kind != TargetKind.Human);
        var run = await host.Executor.ExecuteAsync(decision, async (target, token) =>
        {
            if (target.Kind == TargetKind.Human)
                return await PrimedSession.StartAsync(await PersonAsync(target, decision, HandoffReason(decision, target, cascade is not null),
                    conversation, wait, token), whole: true, token);
            var judged = cascade is not null && !string.Equals(target.Name, last, StringComparison.OrdinalIgnoreCase);
            var primed = await PrimedSession.StartAsync(await start(target, judged, token), whole: !stream || judged, token);
            if (!judged) return primed;
            try
            {
                await JudgeAsync(primed, target, cascade!, request, screen, token);
            }
            catch
            {
                await primed.DisposeAsync();
                throw;
            }
            // The client did not ask for the log-probabilities the cascade needed.
            primed.DropLogprobs = !request.WantsLogprobs;
            return primed;
        }, cancel);
        // Placeholders come back only from targets that were sent them.
        var restore = screen is { Map.Count: > 0 } && Redacts(run.Target, screen.Policy);
        var output = input is not null && NormsOutput.Judges(input.Verdict) && NormsOutput.Applies(input.Profile) ? new NormsOutput(input.Profile, norms!.Gate.Classifier) : null;
        return new RoutedSession(run, restore ? new AnswerRestoration(screen!.Restorer) : null, output);
    }

    /// <summary>
    /// A human target's attempt: opens a ticket with the conversation, the route and why, then waits for the operator's
    /// answer (the executor's SLA ends the wait; the ticket stays open). A client that asked not to wait is answered
    /// with the ticket instead; a streamed one gets its status chunk first.
    /// </summary>
    private async Task<IAnswerSession> PersonAsync(TargetDefinition target, Takase.Routing.Decisions.RouteDecision decision, string reason,
        IReadOnlyList<TicketMessage> conversation, OperatorWait? wait, CancellationToken cancel)
    {
        if (desk is null) throw new TargetFailedException(target.Name, HopOutcomes.Unavailable, TargetExecutor.OperatorQueueDisabled);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (ticket, lastSeq, _) = await desk.OpenAsync(new OperatorHandoff(target, reason, decision.Id, conversation), cancel);
        if (wait is { Async: true }) throw new HandedToOperatorException(ticket.Id);
        if (wait is not null) await wait.WaitingAsync(ticket, cancel);
        var answer = await desk.WaitForAnswerAsync(ticket.Id, lastSeq, cancel);
        return new OperatorAnswerSession(target.Name, answer.Content, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Why a request reached a person, for the ticket: the decision's own reason when the person was its first choice
    /// (the router, a rule, a hand-off), else how the order got there (a cascade's low confidence, failed targets).
    /// </summary>
    private static string HandoffReason(Takase.Routing.Decisions.RouteDecision decision, TargetDefinition target, bool cascade)
    {
        if (string.Equals(decision.Chosen, target.Name, StringComparison.OrdinalIgnoreCase)) return decision.Reason;
        return cascade
            ? $"the cascade's answers stayed low-confidence; escalated to '{target.Name}' (first choice: {decision.Reason})"
            : $"'{target.Name}' was next in the order after the targets before it could not answer (first choice: {decision.Reason})";
    }

    /// <summary>A request's messages as a ticket keeps them (roles a ticket cannot hold, such as tool results, are left out).</summary>
    private static List<TicketMessage> Conversation(IEnumerable<(string Role, string Content)> messages) =>
        [.. messages.Where(m => TicketMessage.Roles.Contains(m.Role)).Select(m => TicketMessage.New(m.Role, m.Content))];

    /// <summary>
    /// Whether <paramref name="target"/> gets the redacted text: a remote one always (redaction protects what leaves
    /// the machine), a local model or the operator desk only when the policy says RedactLocal.
    /// </summary>
    internal static bool Redacts(TargetDefinition target, PiiPolicy policy) => target.Kind == TargetKind.Remote || policy.RedactLocal;

    /// <summary>
    /// What the norms' input rules see of a text under <paramref name="profile"/>'s privacy policy: the router's view
    /// (redacted, local-only values hidden), from a screen of its own so the request's findings are not counted twice.
    /// </summary>
    private Func<string, string>? NormsView(string profile) => host.Setup.PrivacyOf(profile) is { } policy
        ? text => new PrivacyScreen(PiiAnalyzer.Default, policy).Screen(text).ForRouter
        : null;

    /// <summary>The privacy screen of a request for <paramref name="profile"/>, or null when its profile has no policy.</summary>
    private PrivacyScreen? ScreenFor(string profile) =>
        host.Setup.PrivacyOf(profile) is { } policy ? new PrivacyScreen(PiiAnalyzer.Default, policy) : null;

    /// <summary>A local target's chat as the policy lets it see the conversation: as it is, unless RedactLocal.</summary>
    private static ChatCall Redacted(ChatCall call, PrivacyScreen? screen) => screen is not { Policy.RedactLocal: true }
        ? call
        : call with
        {
            Messages = [.. call.Messages.Select(m => m with
            {
                Content = m.Content is null ? null : screen.Rescreen(m.Content).ForRemote,
                ReasoningContent = m.ReasoningContent is null ? null : screen.Rescreen(m.ReasoningContent).ForRemote,
                ToolCalls = m.ToolCalls?.Select(c => c with { Arguments = screen.ScreenJson(c.Arguments, record: false) }).ToList(),
            })],
        };

    /// <summary>A local target's completion as the policy lets it see the prompt: as it is, unless RedactLocal.</summary>
    private static CompletionCall Redacted(CompletionCall call, PrivacyScreen? screen) => screen is not { Policy.RedactLocal: true }
        ? call
        : call with
        {
            Prompt = screen.Rescreen(call.Prompt).ForRemote,
            System = call.System is null ? null : screen.Rescreen(call.System).ForRemote,
        };

    /// <summary>
    /// A cascade's judgement of a cheaper target's whole answer: escalate (a "low_confidence" hop, and the next target
    /// is tried) when its mean token log-probability is below the profile's minimum, or when the verifier target does
    /// not answer a clear "yes".
    /// </summary>
    private async Task JudgeAsync(PrimedSession answer, TargetDefinition target, CascadeOptions cascade, RoutedRequest request,
        PrivacyScreen? screen, CancellationToken cancel)
    {
        var mean = CascadePolicy.MeanLogprob(answer.Pieces.SelectMany(p => p.Logprobs ?? []).Select(l => (double)l.Logprob));
        if (!double.IsNaN(mean) || cascade.Verifier is null)
        {
            if (CascadePolicy.ShouldEscalate(mean, cascade))
                throw new TargetFailedException(target.Name, HopOutcomes.LowConfidence, double.IsNaN(mean)
                    ? $"'{target.Name}' gave no token log-probabilities to judge its answer by, and the cascade has no verifier; escalated"
                    : $"the answer's mean token log-probability {mean:0.###} is below the cascade's minimum {cascade.MinMeanLogprob:0.###}; escalated");
            if (cascade.Verifier is null) return;
        }
        var text = string.Concat(answer.Pieces.Select(p => p.Content));
        var verdict = await VerifyAsync(cascade.Verifier, request, text, screen, cancel);
        if (CascadePolicy.ShouldEscalate(verdict))
            throw new TargetFailedException(target.Name, HopOutcomes.LowConfidence,
                $"the verifier '{cascade.Verifier}' judged the answer {(verdict == VerifierVerdict.Inadequate ? "inadequate" : "unclear")}; escalated");
    }

    /// <summary>
    /// Asks the verifier target for yes/no; a verifier that fails or is missing counts as unclear. Under a privacy policy a
    /// verifier that gets redacted text sees the question and the answer as the router does: placeholders for redacted
    /// values, local-only ones hidden (the answer of a local target may repeat what the prompt held).
    /// </summary>
    private async Task<VerifierVerdict> VerifyAsync(string verifier, RoutedRequest request, string answer, PrivacyScreen? screen, CancellationToken cancel)
    {
        if (!host.Setup.Targets.TryGetValue(verifier, out var target) || target.Kind == TargetKind.Human) return VerifierVerdict.Unclear;
        var question = request.Question;
        if (screen is not null && Redacts(target, screen.Policy))
            (question, answer) = (request.Route.ScoredText, screen.Rescreen(answer).ForRouter);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(target.Timeout);
        var prompt = CascadeVerifier.Prompt(question, answer);
        try
        {
            return CascadeVerifier.Parse(await AnswerTextAsync(target, [.. prompt.Select(m => (m.Role, m.Content))], timeout.Token, maxTokens: 16, greedy: true));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return VerifierVerdict.Unclear;
        }
    }

    /// <summary>
    /// A whole answer from one local or remote target to a conversation of (role, text) pairs, outside any routing
    /// decision: a cascade's verifier, an operator's AI draft.
    /// </summary>
    /// <exception cref="ArgumentException">the target is a human one.</exception>
    public async Task<string> AnswerTextAsync(TargetDefinition target, IReadOnlyList<(string Role, string Content)> messages, CancellationToken cancel,
        int? maxTokens = null, bool greedy = false)
    {
        if (target.Kind == TargetKind.Human) throw new ArgumentException($"'{target.Name}' is a human target; it cannot write an answer by itself");
        if (target.Kind == TargetKind.Remote)
        {
            var reply = await host.RemoteClient(target).ChatAsync(new RemoteChatCall
            {
                Messages = [.. messages.Select(m => new RemoteMessage(m.Role, m.Content))],
                Temperature = greedy ? 0 : null,
                MaxTokens = maxTokens,
            }, cancel);
            return reply.Content;
        }
        var options = new Takase.Engine.Generation.GenerationOptions { MaxTokens = maxTokens ?? -1 };
        await using var session = await inference.ChatAsync(new ChatCall
        {
            Model = LocalModel(target),
            Messages = [.. messages.Select(m => new ChatMessage(m.Role, m.Content))],
            Options = greedy ? options with { Sampling = new() { Temperature = 0 } } : options,
        }, cancel);
        var text = new System.Text.StringBuilder();
        await foreach (var piece in session.ReadAsync(cancel)) text.Append(piece.Content);
        return text.ToString();
    }

    /// <summary>An operator draft over a ticket's conversation.</summary>
    internal Task<string> AnswerTextAsync(TargetDefinition target, IReadOnlyList<Persistence.TicketMessage> conversation, CancellationToken cancel) =>
        AnswerTextAsync(target, [.. conversation.Select(m => (m.Role, m.Content))], cancel);

    private static ChatCall WithLogprobs(ChatCall call, bool judged) => judged && call.TopLogprobs < 0 ? call with { TopLogprobs = 0 } : call;

    private static CompletionCall WithLogprobs(CompletionCall call, bool judged) => judged && call.TopLogprobs < 0 ? call with { TopLogprobs = 0 } : call;

    private static T WithLogprobs<T>(T call, bool judged) where T : RemoteCall => judged && call.TopLogprobs < 0 ? call with { TopLogprobs = 0 } : call;

    private static RoutedRequest RequestOf(string profile, IReadOnlyList<RouteMessage> messages, InferenceCall call, bool tools,
        PrivacyScreen? screen, string? question)
    {
        var route = new RouteRequest
        {
            Profile = profile,
            Messages = messages,
            NeedsTools = tools,
            NeedsJson = call.Format is not null,
            MaxOutputTokens = call.Options.MaxTokens >= 0 ? call.Options.MaxTokens : null,
            Privacy = screen?.Findings,
        };
        return new(route, WantsLogprobs: call.TopLogprobs >= 0, Question: question ?? route.ScoredText, LastUserMessage: question);
    }

    /// <summary>
    /// What the router decides on (screened, under a privacy policy), whether the client asked for log-probabilities
    /// itself, the question a cascade's verifier is asked about, as the client wrote it, and the last user message,
    /// where a hand-off phrase asks for a person.
    /// </summary>
    private sealed record RoutedRequest(RouteRequest Route, bool WantsLogprobs, string Question, string? LastUserMessage)
    {
        /// <inheritdoc />
        public override string ToString() => $"RoutedRequest({Route.Profile})"; // never the question's text
    }

    /// <summary>A local target's library model (its Model, else its name).</summary>
    private static string LocalModel(TargetDefinition target) => string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;

    private static string RemoteModel(TargetDefinition target) => string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;

    private static RemoteChatCall RemoteChat(ChatCall call, IReadOnlyList<RemoteMessage> messages) => Sampled(new RemoteChatCall
    {
        Messages = messages,
        Tools = call.Tools,
        RequireToolCall = call.RequireToolCall,
        Json = call.Format is OutputFormat.Json,
        JsonSchema = (call.Format as OutputFormat.JsonSchema)?.Schema,
    }, call);

    /// <summary>The request's sampling and length settings, as a remote call carries them.</summary>
    private static T Sampled<T>(T remote, InferenceCall call) where T : RemoteCall
    {
        var o = call.Options;
        return remote with
        {
            Temperature = o.Sampling.Temperature,
            TopP = o.Sampling.TopP,
            MaxTokens = o.MaxTokens >= 0 ? o.MaxTokens : null,
            Seed = o.Sampling.Seed,
            Stop = o.Stop,
            PresencePenalty = o.Sampling.PresencePenalty == 0 ? null : o.Sampling.PresencePenalty,
            FrequencyPenalty = o.Sampling.FrequencyPenalty == 0 ? null : o.Sampling.FrequencyPenalty,
            TopLogprobs = call.TopLogprobs,
        };
    }

    /// <summary>
    /// For the executor: the hop outcome of a local target's failure when the target is at fault (the next candidate
    /// is tried), or null when the request is (it is answered as it is, since any target would refuse it).
    /// </summary>
    public static string? TargetFault(Exception e) => e switch
    {
        ContextOverflowException => HopOutcomes.ContextLength,
        QueueFullException => HopOutcomes.RateLimited,
        ModelNotFoundException or Takase.Library.Store.ModelNotFoundException or SchedulerStoppedException => HopOutcomes.Error,
        ArgumentException or JsonException or TemplateException or Takase.Library.GoTemplates.GoTemplateException or NotSupportedException => null,
        _ => HopOutcomes.Error,
    };
}
