using Microsoft.AspNetCore.Http;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>Who made a request: an API key, the configured admin key, or anyone on an open (loopback) server.</summary>
/// <param name="Id">The key id ("key_…"), or "admin-key" / "local"; what the audit log records as the actor.</param>
/// <param name="Name">The key's label, for people reading the audit log.</param>
/// <param name="Role">What it may do.</param>
public sealed record Caller(string Id, string Name, ApiKeyRole Role)
{
    /// <summary>The bootstrap admin key of Takase:Auth:AdminKey.</summary>
    public static Caller ConfiguredAdmin { get; } = new("admin-key", "Takase:Auth:AdminKey", ApiKeyRole.Admin);

    /// <summary>Anyone, on a server that requires no key (loopback by default): everything is allowed, as with Ollama.</summary>
    public static Caller Local { get; } = new("local", "no key (authentication off)", ApiKeyRole.Admin);

    /// <summary>A stored key.</summary>
    public static Caller Of(ApiKey key) => new(key.Id, key.Name, key.Role);
}

/// <summary>The caller of a request, as the access middleware identified it.</summary>
public static class CallerExtensions
{
    private const string ItemKey = "takase.caller";
    private const string AuditedKey = "takase.audited";

    /// <summary>The caller; <see cref="Caller.Local"/> when the middleware did not run (tests of single handlers).</summary>
    public static Caller Caller(this HttpContext http) => http.Items[ItemKey] as Caller ?? Access.Caller.Local;

    internal static void SetCaller(this HttpContext http, Caller caller) => http.Items[ItemKey] = caller;

    /// <summary>Marks the request as audited by its handler, so the middleware does not add a generic entry.</summary>
    public static void MarkAudited(this HttpContext http) => http.Items[AuditedKey] = true;

    internal static bool IsAudited(this HttpContext http) => http.Items.ContainsKey(AuditedKey);
}
