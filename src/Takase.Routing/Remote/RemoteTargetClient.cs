using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using Takase.Routing.Execution;
using Takase.Routing.Targets;

namespace Takase.Routing.Remote;

/// <summary>
/// Talks to one remote OpenAI-compatible target (OpenAI, Azure OpenAI's v1 endpoint, another Ollama/Takase/vLLM node)
/// through the OpenAI .NET SDK: chat completions, streamed or whole, and raw text completions. The SDK's own retries
/// are off — moving on is the executor's job, to the next candidate — and every failure becomes a
/// <see cref="TargetFailedException"/> whose outcome says what happened (timeout, 5xx, 429, context length, a garbled
/// answer), so a broken or hanging provider never crashes a request, it only costs a hop. Cancelling the token stops
/// the call at once; that is how the executor bounds each attempt by the target's timeout.
/// </summary>
public sealed class RemoteTargetClient
{
    /// <summary>The key sent to endpoints that need none (other local nodes): the SDK insists on one.</summary>
    public const string NoKey = "takase-no-key";

    private readonly TargetDefinition _target;
    private readonly string _model;
    private readonly ChatClient _chat;
    private readonly Uri _completionsUri;
    private readonly string? _missingKey;

    /// <summary>A client for <paramref name="target"/>; <paramref name="environment"/> reads the API key variable (tests pass their own).</summary>
    /// <exception cref="ArgumentException">the target is not remote, or has no endpoint.</exception>
    public RemoteTargetClient(TargetDefinition target, Func<string, string?>? environment = null)
    {
        if (target.Kind != TargetKind.Remote) throw new ArgumentException($"target '{target.Name}' is {target.Kind}, not a remote target", nameof(target));
        var endpoint = target.Endpoint ?? throw new ArgumentException($"remote target '{target.Name}' has no Endpoint (the provider's …/v1 base URL)", nameof(target));
        _target = target;
        _model = string.IsNullOrEmpty(target.Model) ? target.Name : target.Model;
        var key = NoKey;
        if (!string.IsNullOrEmpty(target.ApiKeyVariable))
        {
            var value = (environment ?? Environment.GetEnvironmentVariable)(target.ApiKeyVariable);
            if (string.IsNullOrEmpty(value)) _missingKey = $"the API key variable {target.ApiKeyVariable} of target '{target.Name}' is not set; export it where the server runs";
            else key = value;
        }
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            // One attempt per candidate: the executor falls back instead of retrying the same provider.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = target.Timeout,
        };
        var credential = new ApiKeyCredential(key);
        _chat = new ChatClient(_model, credential, options);
        _completionsUri = new Uri(endpoint.ToString().TrimEnd('/') + "/completions");
    }

    /// <summary>The target this client calls.</summary>
    public TargetDefinition Target => _target;

    /// <summary>A whole chat answer.</summary>
    /// <exception cref="TargetFailedException">the provider failed, refused or answered garbage.</exception>
    public async Task<RemoteAnswer> ChatAsync(RemoteChatCall call, CancellationToken cancel)
    {
        ThrowIfNoKey();
        try
        {
            ChatCompletion c = (await _chat.CompleteChatAsync(Messages(call), Options(call), cancel)).Value;
            var content = string.Concat(c.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            return new RemoteAnswer
            {
                Model = string.IsNullOrEmpty(c.Model) ? _model : c.Model,
                Content = content,
                FinishReason = FinishReason(c.FinishReason),
                ToolCalls = [.. c.ToolCalls.Select(t => new RemoteToolCall(t.Id, t.FunctionName, t.FunctionArguments?.ToString() ?? "{}"))],
                PromptTokens = c.Usage?.InputTokenCount ?? 0,
                CompletionTokens = c.Usage?.OutputTokenCount ?? 0,
                Logprobs = call.TopLogprobs >= 0 ? Logprobs(c.ContentTokenLogProbabilities) : null,
            };
        }
        catch (Exception e) when (Failure(e, cancel) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// A streamed chat answer: the text as it comes, then one last event with <see cref="RemoteStreamEvent.Done"/>
    /// (finish reason, tool calls assembled from their pieces, usage).
    /// </summary>
    /// <exception cref="TargetFailedException">the provider failed, refused, or the stream was garbled or cut.</exception>
    public async IAsyncEnumerable<RemoteStreamEvent> StreamChatAsync(RemoteChatCall call, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        ThrowIfNoKey();
        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        string? finish = null, model = null;
        ChatTokenUsage? usage = null;
        IAsyncEnumerator<StreamingChatCompletionUpdate>? updates = null;
        try
        {
            while (true)
            {
                RemoteDelta? delta;
                try
                {
                    updates ??= _chat.CompleteChatStreamingAsync(Messages(call), Options(call), cancel).GetAsyncEnumerator(cancel);
                    if (!await updates.MoveNextAsync()) break;
                    var u = updates.Current;
                    if (!string.IsNullOrEmpty(u.Model)) model = u.Model;
                    usage = u.Usage ?? usage;
                    if (u.FinishReason is { } f) finish = FinishReason(f);
                    foreach (var t in u.ToolCallUpdates)
                    {
                        if (!calls.TryGetValue(t.Index, out var c)) calls[t.Index] = c = (t.ToolCallId ?? $"call_{t.Index}", t.FunctionName ?? "", new StringBuilder());
                        if (!string.IsNullOrEmpty(t.FunctionName) && c.Name.Length == 0) calls[t.Index] = c = c with { Name = t.FunctionName };
                        c.Arguments.Append(t.FunctionArgumentsUpdate?.ToString());
                    }
                    var piece = string.Concat(u.ContentUpdate.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
                    var logprobs = call.TopLogprobs >= 0 && u.ContentTokenLogProbabilities.Count > 0 ? Logprobs(u.ContentTokenLogProbabilities) : null;
                    delta = piece.Length > 0 || logprobs is not null ? new RemoteDelta(piece, logprobs) : null;
                    text.Append(piece);
                }
                catch (Exception e) when (Failure(e, cancel) is { } failure)
                {
                    throw failure;
                }
                if (delta is not null) yield return new RemoteStreamEvent(delta, null);
            }
        }
        finally
        {
            if (updates is not null) await updates.DisposeAsync();
        }
        if (finish is null) throw CutStream();
        yield return new RemoteStreamEvent(null, new RemoteAnswer
        {
            Model = model ?? _model,
            Content = text.ToString(),
            FinishReason = finish,
            ToolCalls = [.. calls.Values.Select(c => new RemoteToolCall(c.Id, c.Name, c.Arguments.Length == 0 ? "{}" : c.Arguments.ToString()))],
            PromptTokens = usage?.InputTokenCount ?? 0,
            CompletionTokens = usage?.OutputTokenCount ?? 0,
        });
    }

    /// <summary>A whole raw text completion (/v1/completions).</summary>
    /// <exception cref="TargetFailedException">the provider failed, refused or answered garbage.</exception>
    public async Task<RemoteAnswer> CompleteAsync(RemoteTextCall call, CancellationToken cancel)
    {
        ThrowIfNoKey();
        try
        {
            using var message = await SendTextAsync(call, stream: false, cancel);
            using var json = JsonDocument.Parse(message.Response!.Content);
            var (content, finish, model) = TextChoice(json.RootElement);
            var (prompt, completion) = Usage(json.RootElement);
            return new RemoteAnswer
            {
                Model = model ?? _model,
                Content = content,
                FinishReason = finish ?? throw new JsonException("choices[0].finish_reason is missing"),
                PromptTokens = prompt,
                CompletionTokens = completion,
            };
        }
        catch (Exception e) when (Failure(e, cancel) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>A streamed raw text completion: the text as it comes, then the closing event.</summary>
    /// <exception cref="TargetFailedException">the provider failed, refused, or the stream was garbled or cut.</exception>
    public async IAsyncEnumerable<RemoteStreamEvent> StreamCompleteAsync(RemoteTextCall call, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        ThrowIfNoKey();
        var text = new StringBuilder();
        string? finish = null, model = null;
        (int Prompt, int Completion) usage = default;
        IAsyncEnumerator<SseItem<string>>? events = null;
        PipelineMessage? message = null;
        try
        {
            while (true)
            {
                string? piece;
                try
                {
                    if (events is null)
                    {
                        message = await SendTextAsync(call, stream: true, cancel);
                        var body = message.Response!.ContentStream
                            ?? throw new InvalidDataException("the response has no body");
                        events = SseParser.Create(body).EnumerateAsync(cancel).GetAsyncEnumerator(cancel);
                    }
                    if (!await events.MoveNextAsync()) break;
                    var data = events.Current.Data;
                    if (data.Trim() == "[DONE]") break;
                    using var json = JsonDocument.Parse(data);
                    if (json.RootElement.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object) usage = Usage(json.RootElement);
                    if (json.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() == 0) continue; // the usage event
                    string? f;
                    (piece, f, var m) = TextChoice(json.RootElement);
                    finish = f ?? finish;
                    model = m ?? model;
                    text.Append(piece);
                }
                catch (Exception e) when (Failure(e, cancel) is { } failure)
                {
                    throw failure;
                }
                if (piece.Length > 0) yield return new RemoteStreamEvent(new RemoteDelta(piece), null);
            }
        }
        finally
        {
            if (events is not null) await events.DisposeAsync();
            message?.Dispose();
        }
        if (finish is null) throw CutStream();
        yield return new RemoteStreamEvent(null, new RemoteAnswer
        {
            Model = model ?? _model,
            Content = text.ToString(),
            FinishReason = finish,
            PromptTokens = usage.Prompt,
            CompletionTokens = usage.Completion,
        });
    }

    private void ThrowIfNoKey()
    {
        if (_missingKey is not null) throw new TargetFailedException(_target.Name, HopOutcomes.Error, _missingKey);
    }

    /// <summary>
    /// What a failure means for routing, or null when the caller cancelled (then the cancellation goes on as it is:
    /// the client left, or the executor's timeout fired and it reports that itself).
    /// </summary>
    private TargetFailedException? Failure(Exception e, CancellationToken cancel)
    {
        if (e is TargetFailedException t) return t;
        if (e is OperationCanceledException && cancel.IsCancellationRequested) return null;
        var name = _target.Name;
        switch (e)
        {
            case ClientResultException { Status: 429 } r:
                return new(name, HopOutcomes.RateLimited, $"target '{name}' is rate limited (HTTP 429): {ErrorMessage(r)}", e);
            case ClientResultException { Status: 408 or 504 } r:
                return new(name, HopOutcomes.Timeout, $"target '{name}' timed out (HTTP {r.Status}): {ErrorMessage(r)}", e);
            case ClientResultException { Status: >= 500 } r:
                return new(name, HopOutcomes.Error, $"target '{name}' failed with HTTP {r.Status}: {ErrorMessage(r)}", e);
            case ClientResultException { Status: 400 or 413 } r when IsContextLength(r):
                return new(name, HopOutcomes.ContextLength, $"the prompt does not fit target '{name}': {ErrorMessage(r)}", e);
            case ClientResultException { Status: 401 or 403 } r:
                return new(name, HopOutcomes.Error,
                    $"target '{name}' refused the credentials (HTTP {r.Status}); check its ApiKeyVariable ({_target.ApiKeyVariable ?? "none set"}): {ErrorMessage(r)}", e);
            case ClientResultException { Status: 0 } r:
                // No response at all: the connection failed (refused, reset, DNS).
                return new(name, HopOutcomes.Error, $"target '{name}' at {_target.Endpoint} could not be reached: {Innermost(r).Message}", e);
            case ClientResultException r:
                return new(name, HopOutcomes.Error, $"target '{name}' refused the request (HTTP {r.Status}): {ErrorMessage(r)}", e);
            case OperationCanceledException or TimeoutException:
                // The SDK's network timeout (the target's Timeout) fired, not the caller's token.
                return new(name, HopOutcomes.Timeout, $"target '{name}' did not answer within {_target.Timeout.TotalSeconds:0.#} s", e);
            case HttpRequestException or IOException:
                return new(name, HopOutcomes.Error, $"target '{name}' at {_target.Endpoint} could not be reached: {Innermost(e).Message}", e);
            default:
                // JSON that does not parse, an answer without choices, an SSE stream that is not one: garbage.
                return new(name, HopOutcomes.Error, $"target '{name}' answered something that is not an OpenAI-compatible response ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>The provider's error.message (and code), else the body's start, else the status text.</summary>
    private static string ErrorMessage(ClientResultException e)
    {
        var body = Body(e);
        try
        {
            if (body is { Length: > 0 } && JsonNode.Parse(body)?["error"] is { } error)
            {
                var message = error is JsonObject o ? o["message"]?.ToString() : error.ToString();
                var code = error is JsonObject oc ? oc["code"]?.ToString() : null;
                return code is { Length: > 0 } ? $"{message} ({code})" : message ?? body;
            }
        }
        catch (JsonException)
        {
        }
        if (body is { Length: > 0 }) return body.Length > 300 ? body[..300] + "…" : body;
        return e.GetRawResponse()?.ReasonPhrase is { Length: > 0 } reason ? reason : e.Message.Split('\n')[0];
    }

    private static bool IsContextLength(ClientResultException e)
    {
        var body = Body(e) ?? e.Message;
        return body.Contains("context_length_exceeded", StringComparison.OrdinalIgnoreCase)
            || body.Contains("context", StringComparison.OrdinalIgnoreCase);
    }

    private static string? Body(ClientResultException e)
    {
        try
        {
            return e.GetRawResponse()?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            return null; // an unbuffered body cannot be read again
        }
    }

    private static List<ChatMessage> Messages(RemoteChatCall call) => [.. call.Messages.Select(Message)];

    private static ChatMessage Message(RemoteMessage m)
    {
        switch (m.Role)
        {
            case "system":
                return new SystemChatMessage(m.Content ?? "");
            case "user":
                return new UserChatMessage(m.Content ?? "");
            case "tool":
                return new ToolChatMessage(m.ToolCallId ?? "", m.Content ?? "");
            case "assistant" when m.ToolCalls is { Count: > 0 } calls:
                var message = new AssistantChatMessage(calls.Select(c => ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, BinaryData.FromString(c.Arguments))));
                if (!string.IsNullOrEmpty(m.Content)) message.Content.Add(ChatMessageContentPart.CreateTextPart(m.Content));
                return message;
            case "assistant":
                return new AssistantChatMessage(m.Content ?? "");
            default:
                throw new ArgumentException($"a remote chat message has role '{m.Role}'; expected system, user, assistant or tool");
        }
    }

    private static ChatCompletionOptions Options(RemoteChatCall call)
    {
        var options = new ChatCompletionOptions
        {
            Temperature = call.Temperature,
            TopP = call.TopP,
            MaxOutputTokenCount = call.MaxTokens,
            PresencePenalty = call.PresencePenalty,
            FrequencyPenalty = call.FrequencyPenalty,
        };
#pragma warning disable OPENAI001 // seed is marked experimental in the SDK
        options.Seed = call.Seed;
#pragma warning restore OPENAI001
        foreach (var s in call.Stop) options.StopSequences.Add(s);
        if (call.TopLogprobs >= 0)
        {
            options.IncludeLogProbabilities = true;
            options.TopLogProbabilityCount = call.TopLogprobs;
        }
        foreach (var tool in call.Tools ?? [])
        {
            var fn = tool["function"] ?? tool;
            var parameters = fn["parameters"];
            options.Tools.Add(ChatTool.CreateFunctionTool(
                fn["name"]?.ToString() ?? throw new ArgumentException("a tool has no function name"),
                fn["description"]?.ToString(),
                parameters is null ? null : BinaryData.FromString(parameters.ToJsonString())));
        }
        if (call.RequireToolCall) options.ToolChoice = ChatToolChoice.CreateRequiredChoice();
        if (call.JsonSchema is { } schema)
            options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", BinaryData.FromString(schema.ToJsonString()));
        else if (call.Json)
            options.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();
        return options;
    }

    /// <summary>
    /// POST …/completions through the chat client's pipeline (its authentication and network timeout): the SDK has no
    /// public client for the legacy endpoint, but its pipeline speaks to any path of the same provider.
    /// </summary>
    private async Task<PipelineMessage> SendTextAsync(RemoteTextCall call, bool stream, CancellationToken cancel)
    {
        var message = _chat.Pipeline.CreateMessage();
        try
        {
            message.BufferResponse = !stream;
            message.Request.Method = "POST";
            message.Request.Uri = _completionsUri;
            message.Request.Headers.Set("Content-Type", "application/json");
            message.Request.Headers.Set("Accept", stream ? "text/event-stream" : "application/json");
            message.Request.Content = TextBody(call, stream);
            message.Apply(new RequestOptions { CancellationToken = cancel });
            await _chat.Pipeline.SendAsync(message);
            if (message.Response is null) throw new InvalidDataException("no response");
            if (message.Response.IsError)
            {
                if (stream) await message.Response.BufferContentAsync(cancel);
                throw await ClientResultException.CreateAsync(message.Response);
            }
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private BinaryContent TextBody(RemoteTextCall call, bool stream)
    {
        var body = new JsonObject { ["model"] = _model, ["prompt"] = call.Prompt, ["stream"] = stream };
        if (stream) body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (call.MaxTokens is { } max) body["max_tokens"] = max;
        if (call.Temperature is { } t) body["temperature"] = t;
        if (call.TopP is { } p) body["top_p"] = p;
        if (call.Seed is { } seed) body["seed"] = seed;
        if (call.PresencePenalty is { } pp) body["presence_penalty"] = pp;
        if (call.FrequencyPenalty is { } fp) body["frequency_penalty"] = fp;
        if (call.Stop.Count > 0) body["stop"] = new JsonArray([.. call.Stop.Select(s => (JsonNode)s)]);
        if (call.TopLogprobs >= 0) body["logprobs"] = call.TopLogprobs;
        return BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
    }

    /// <summary>choices[0]'s text and finish_reason, and the model, of a text_completion object.</summary>
    private static (string Text, string? Finish, string? Model) TextChoice(JsonElement root)
    {
        var choice = root.GetProperty("choices")[0];
        var text = choice.GetProperty("text").GetString() ?? "";
        var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return (text, finish, model);
    }

    private static (int Prompt, int Completion) Usage(JsonElement root) =>
        root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object
            ? (u.TryGetProperty("prompt_tokens", out var p) ? p.GetInt32() : 0, u.TryGetProperty("completion_tokens", out var c) ? c.GetInt32() : 0)
            : (0, 0);

    private static string FinishReason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Length => "length",
        ChatFinishReason.ToolCalls or ChatFinishReason.FunctionCall => "tool_calls",
        ChatFinishReason.ContentFilter => "content_filter",
        _ => "stop",
    };

    private static List<RemoteLogprob> Logprobs(IReadOnlyList<ChatTokenLogProbabilityDetails> details) =>
        [.. details.Select(d => new RemoteLogprob(d.Token, d.LogProbability, [.. d.TopLogProbabilities.Select(t => (t.Token, t.LogProbability))]))];

    /// <summary>A stream that stopped without saying why was cut, or was never an OpenAI stream: not an answer to trust.</summary>
    private TargetFailedException CutStream() => new(_target.Name, HopOutcomes.Error,
        $"target '{_target.Name}' ended its stream without a finish_reason (a cut connection or not an OpenAI-compatible stream)");
}

/// <summary>One event of a streamed remote answer: a piece of text, or (last) the whole answer's ending.</summary>
/// <param name="Delta">A piece of the answer, or null on the last event.</param>
/// <param name="Done">On the last event: finish reason, tool calls, usage and the whole text.</param>
public sealed record RemoteStreamEvent(RemoteDelta? Delta, RemoteAnswer? Done);
