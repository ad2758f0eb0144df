using System.Net;
using System.Net.Http.Headers;

namespace Takase.Library.Registry;

/// <summary>
/// HTTP with the retry rules every registry call shares: connection failures, 5xx and 429 are retried with
/// exponential backoff; anything else is the answer. Requests are rebuilt for each try (a body cannot be resent).
/// With a <see cref="RegistryAuth"/>, a 401 carrying a token challenge is answered and the request sent once more.
/// </summary>
internal sealed class RetryingHttp(HttpClient http, RegistryClientOptions options, RegistryAuth? auth = null)
{
    public HttpClient Client => http;

    public RegistryClientOptions Options => options;

    /// <summary>The token handshake, or null for clients that only send the fixed token.</summary>
    public RegistryAuth? Auth => auth;

    /// <summary>Sends the request <paramref name="build"/> makes until it gets a non-transient answer (which may be an error status).</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, string what, CancellationToken cancellationToken)
    {
        for (var failures = 0; ; failures++)
        {
            Exception? problem;
            try
            {
                var response = await SendOnceAsync(build, cancellationToken).ConfigureAwait(false);
                if (!IsTransient(response.StatusCode)) return response;
                problem = new RegistryException($"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}") { StatusCode = (int)response.StatusCode };
                response.Dispose();
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                problem = e;
            }
            await BackoffAsync(failures, problem, what, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One try, authorized: when the answer is a 401 that <see cref="RegistryAuth"/> can answer (a token challenge),
    /// the request is built and sent once more with the new credential; that second answer is returned as it is.
    /// </summary>
    public async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        Uri uri;
        string? sent;
        HttpResponseMessage response;
        using (var request = build())
        {
            Authorize(request);
            uri = request.RequestUri!;
            sent = request.Headers.Authorization?.ToString();
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        if (auth is null || response.StatusCode != HttpStatusCode.Unauthorized) return response;
        bool answered;
        try
        {
            answered = await auth.TryAnswerAsync(response, uri, sent, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        if (!answered) return response;
        response.Dispose();
        using var again = build();
        Authorize(again);
        return await http.SendAsync(again, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the credential for the request: the handshake's token for its repository, else the fixed token.</summary>
    public void Authorize(HttpRequestMessage request)
    {
        if (auth is not null) auth.Apply(request);
        else if (options.Token is { Length: > 0 } token && request.Headers.Authorization is null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Waits before retry number <paramref name="failures"/>+1, or throws once the retries are spent.</summary>
    public async Task BackoffAsync(int failures, Exception problem, string what, CancellationToken cancellationToken)
    {
        if (failures >= options.MaxRetries)
            throw new RegistryException($"{what} failed after {failures + 1} attempts: {problem.Message}", problem)
            {
                StatusCode = (problem as RegistryException)?.StatusCode,
            };
        var delay = options.InitialBackoff * Math.Pow(2, failures);
        if (delay > options.MaxBackoff) delay = options.MaxBackoff;
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    public static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    /// <summary>Connection drops, resets, timeouts and truncated bodies are worth retrying; the caller's cancellation is not.</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // HttpClient.Timeout or a stall
        HttpRequestException or IOException or TimeoutException => true,
        RegistryException { StatusCode: >= 500 or 429 } => true,
        _ => false,
    };

    /// <summary>A clear error for a non-success answer; reads a short piece of the body, which registries use for the reason.</summary>
    public static async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string what, string hint, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length > 300) body = body[..300] + "…";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            body = "";
        }
        var detail = body.Length > 0 ? $" ({body.Trim()})" : "";
        return new RegistryException($"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}{detail}. {hint}")
        {
            StatusCode = (int)response.StatusCode,
        };
    }
}
