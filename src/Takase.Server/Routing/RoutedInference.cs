using System.Text.Json;
using Takase.Engine.Models;
using Takase.Engine.Scheduling;
using Takase.Engine.Templates;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Routing.Remote;
using Takase.Routing.Targets;
using Takase.Server.Inference;
using Takase.Server.Models;

namespace Takase.Server.Routing;

/// <summary>
/// Answers requests for a router profile: the request becomes a <see cref="RouteRequest"/> (messages, tools and JSON
/// flags, the answer's token limit), the router decides, and the executor tries the decision's targets — local models
/// through the <see cref="InferenceService"/>, remote ones through their OpenAI-compatible client — until one commits
/// an answer. The endpoints then stream it like a local answer and add the explanation.
/// </summary>
public sealed class RoutedInference(RouterHost host, InferenceService inference)
{
    /// <summary>The router host (targets, profiles, circuits).</summary>
    public RouterHost Host => host;

    /// <summary>Whether <paramref name="model"/> names a router profile rather than a model.</summary>
    public bool IsProfile(string? model) => !string.IsNullOrWhiteSpace(model) && host.Router.IsProfile(model);

    /// <summary>
    /// Routes a chat. <paramref name="call"/> is the request as a whole (its Model is the profile), used for the
    /// decision and for remote targets; <paramref name="localCall"/> builds the call for a local target's model (with
    /// that model's defaults and checks).
    /// </summary>
    /// <exception cref="Takase.Routing.RoutingException">no candidate can take the request, or none could answer.</exception>
    public Task<RoutedSession> ChatAsync(ChatCall call, Func<string, ChatCall> localCall, bool stream, CancellationToken cancel) =>
        RunAsync(RequestOf(call.Model, call.Messages.Select(m => new RouteMessage(m.Role, m.Content ?? "")).ToList(), call,
                tools: call.Tools is { Count: > 0 }), stream, cancel,
            async (target, token) => target.Kind == TargetKind.Local
                ? await inference.ChatAsync(localCall(LocalModel(target)), token)
                : stream
                    ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), host.RemoteClient(target).StreamChatAsync(RemoteChat(call), token))
                    : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await host.RemoteClient(target).ChatAsync(RemoteChat(call), token)));

    /// <summary>
    /// Routes a completion. A raw prompt goes to remote targets as a text completion (/v1/completions), a templated
    /// one as a chat of its system text and prompt (the remote server applies its own template).
    /// </summary>
    /// <exception cref="Takase.Routing.RoutingException">no candidate can take the request, or none could answer.</exception>
    public Task<RoutedSession> CompleteAsync(CompletionCall call, Func<string, CompletionCall> localCall, bool stream, CancellationToken cancel)
    {
        List<RouteMessage> messages = [];
        if (!string.IsNullOrEmpty(call.System)) messages.Add(new RouteMessage("system", call.System));
        messages.Add(new RouteMessage("user", call.Prompt));
        return RunAsync(RequestOf(call.Model, messages, call, tools: false), stream, cancel, async (target, token) =>
        {
            if (target.Kind == TargetKind.Local) return await inference.CompleteAsync(localCall(LocalModel(target)), token);
            var client = host.RemoteClient(target);
            if (call.Raw)
            {
                var text = Sampled(new RemoteTextCall { Prompt = call.Prompt }, call);
                return stream
                    ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), client.StreamCompleteAsync(text, token))
                    : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await client.CompleteAsync(text, token));
            }
            var chat = Sampled(new RemoteChatCall
            {
                Messages = [.. messages.Select(m => new RemoteMessage(m.Role, m.Content))],
                Json = call.Format is OutputFormat.Json,
                JsonSchema = (call.Format as OutputFormat.JsonSchema)?.Schema,
            }, call);
            return stream
                ? RemoteAnswerSession.Stream(target.Name, RemoteModel(target), client.StreamChatAsync(chat, token))
                : RemoteAnswerSession.Whole(target.Name, RemoteModel(target), await client.ChatAsync(chat, token));
        });
    }

    private async Task<RoutedSession> RunAsync(RouteRequest request, bool stream, CancellationToken cancel,
        Func<TargetDefinition, CancellationToken, Task<IAnswerSession>> start)
    {
        var decision = host.Router.Decide(request, host.Executor.IsAvailable);
        var run = await host.Executor.ExecuteAsync(decision, async (target, token) =>
            await PrimedSession.StartAsync(await start(target, token), whole: !stream, token), cancel);
        return new RoutedSession(run);
    }

    private static RouteRequest RequestOf(string profile, IReadOnlyList<RouteMessage> messages, InferenceCall call, bool tools) => new()
    {
        Profile = profile,
        Messages = messages,
        NeedsTools = tools,
        NeedsJson = call.Format is not null,
        MaxOutputTokens = call.Options.MaxTokens >= 0 ? call.Options.MaxTokens : null,
    };

    /// <summary>A local target's library model (its Model, else its name).</summary>
    private static string LocalModel(TargetDefinition target) => string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;

    private static string RemoteModel(TargetDefinition target) => string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;

    private static RemoteChatCall RemoteChat(ChatCall call) => Sampled(new RemoteChatCall
    {
        Messages = [.. call.Messages.Select(m => new RemoteMessage(m.Role, m.Content)
        {
            ToolCalls = m.ToolCalls?.Select(c => new RemoteToolCall(c.Id, c.Name, c.Arguments?.ToJsonString() ?? "{}")).ToList(),
            ToolCallId = m.ToolCallId,
        })],
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
