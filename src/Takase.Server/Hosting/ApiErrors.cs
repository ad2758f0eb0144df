using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Scheduling;
using Takase.Engine.Templates;
using Takase.Server.Models;

namespace Takase.Server.Hosting;

/// <summary>
/// Maps the errors a client can act on to HTTP statuses and each API's own error shape: Ollama's
/// <c>{"error": "…"}</c>, OpenAI's <c>{"error": {"message", "type", "param", "code"}}</c> for paths under /v1.
/// </summary>
public static class ApiErrors
{
    /// <summary>Status for an exception, or null when it is a server fault.</summary>
    public static int? StatusFor(Exception e) => e switch
    {
        ModelNotFoundException or Takase.Library.Store.ModelNotFoundException => StatusCodes.Status404NotFound,
        Takase.Library.Modelfiles.ModelfileParseException or Takase.Library.GoTemplates.GoTemplateException
            or FileNotFoundException or InvalidDataException
            or Takase.Library.Store.ModelNameException or Takase.Library.Store.InvalidManifestException
            or Takase.Library.Store.BlobDigestMismatchException => StatusCodes.Status400BadRequest,
        QueueFullException or Takase.Server.Persistence.StoreUnavailableException => StatusCodes.Status503ServiceUnavailable,
        Takase.Server.Persistence.TicketClosedException => StatusCodes.Status409Conflict,
        Takase.Server.Persistence.RecordNotFoundException => StatusCodes.Status404NotFound,
        Takase.Routing.Execution.AllTargetsFailedException => StatusCodes.Status503ServiceUnavailable,
        Takase.Routing.RoutingException => StatusCodes.Status400BadRequest,
        Takase.Routing.Execution.TargetFailedException => StatusCodes.Status502BadGateway,
        Takase.Library.Store.DiskFullException => StatusCodes.Status507InsufficientStorage,
        Takase.Library.Registry.RegistryException { StatusCode: 404 } => StatusCodes.Status404NotFound,
        Takase.Library.Registry.RegistryException => StatusCodes.Status502BadGateway,
        BadHttpRequestException b => b.StatusCode,
        ArgumentException or JsonException or ContextOverflowException or TemplateException or NotSupportedException
            or GgufFormatException or FormatException => StatusCodes.Status400BadRequest,
        _ => null,
    };

    /// <summary>Writes the error in the shape of the API the request went to.</summary>
    public static Task WriteAsync(HttpContext context, int status, string message, string? code = null)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "1";
        object body = IsOpenAi(context.Request)
            ? new { error = new { message, type = OpenAiType(status), param = (string?)null, code } }
            : new { error = message };
        return context.Response.WriteAsJsonAsync(body);
    }

    /// <summary>True for OpenAI-compatible routes.</summary>
    public static bool IsOpenAi(HttpRequest request) => request.Path.StartsWithSegments("/v1");

    private static string OpenAiType(int status) => status switch
    {
        404 => "not_found_error",
        429 or 503 => "server_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
