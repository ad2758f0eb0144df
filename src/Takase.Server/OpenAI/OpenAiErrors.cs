using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Takase.Engine.Models;
using Takase.Engine.Scheduling;
using Takase.Server.Hosting;
using Takase.Server.Models;

namespace Takase.Server.OpenAI;

/// <summary>
/// A request the OpenAI API refuses, with the field at fault in <see cref="Param"/> (OpenAI's error.param), so SDK
/// users see which argument to fix.
/// </summary>
public sealed class OpenAiRequestException : ArgumentException
{
    private readonly string _message;

    /// <summary>A refusal of <paramref name="param"/> with a message saying what to send instead.</summary>
    public OpenAiRequestException(string message, string? param, string? code = null) : base(message, param)
    {
        _message = message;
        Code = code;
    }

    /// <summary>The message alone (ArgumentException would append the parameter).</summary>
    public override string Message => _message;
    /// <summary>The request field at fault, as OpenAI names it ("messages[0].content"), or null.</summary>
    public string? Param => ParamName;
    /// <summary>OpenAI's machine-readable error.code, or null.</summary>
    public string? Code { get; }
}

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorResponse([property: JsonPropertyName("error")] OpenAiError Error);

/// <summary>The error object inside <see cref="OpenAiErrorResponse"/>.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

/// <summary>Turns the errors a client can act on into OpenAI's status codes and error bodies.</summary>
internal static class OpenAiErrors
{
    /// <summary>Status and body for <paramref name="e"/>, or null when it is a server fault (logged as a 500).</summary>
    public static (int Status, OpenAiError Error)? Describe(Exception e) => e switch
    {
        OpenAiRequestException r => (400, new OpenAiError(r.Message, "invalid_request_error", r.Param, r.Code)),
        ModelNotFoundException m => (404, new OpenAiError(
            $"The model '{m.Name}' does not exist; list the available models with GET /v1/models", "invalid_request_error", "model", "model_not_found")),
        ContextOverflowException => (400, new OpenAiError(e.Message, "invalid_request_error", null, "context_length_exceeded")),
        QueueFullException => (503, new OpenAiError(e.Message, "server_error", null, "server_busy")),
        Takase.Routing.Execution.AllTargetsFailedException => (503, new OpenAiError(e.Message, "server_error", "model", "all_targets_failed")),
        Takase.Routing.RoutingException => (400, new OpenAiError(e.Message, "invalid_request_error", "model", "no_route")),
        Takase.Routing.Execution.TargetFailedException f => (502, new OpenAiError(e.Message, "server_error", null, f.Outcome)),
        SchedulerStoppedException => (503, new OpenAiError(e.Message, "server_error", null, "model_unloaded")),
        ArgumentException a when ApiErrors.StatusFor(e) == 400 => (400, new OpenAiError(PlainMessage(a), "invalid_request_error", EngineParam(a), null)),
        _ when ApiErrors.StatusFor(e) is { } status => (status, new OpenAiError(e.Message, status >= 500 ? "server_error" : "invalid_request_error", null, null)),
        _ => null,
    };

    /// <summary>The message without the " (Parameter 'x')" that ArgumentException appends.</summary>
    private static string PlainMessage(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    /// <summary>The OpenAI field behind an engine refusal that the request checks cannot foresee (a logit_bias
    /// token beyond the model's vocabulary).</summary>
    private static string? EngineParam(ArgumentException e) =>
        e.Message.StartsWith("LogitBias", StringComparison.Ordinal) ? "logit_bias" : null;

    /// <summary>Writes an error response (before anything else was written).</summary>
    public static async Task WriteAsync(HttpContext context, int status, OpenAiError error)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "1";
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new OpenAiErrorResponse(error), OpenAiJson.Options);
    }
}
