using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Inference;
using Takase.Server.Models;
using Takase.Server.Norms;
using Takase.Server.Ollama;

namespace Takase.Server.Routing;

/// <summary>
/// /api/chat and /api/generate for a router profile: the request checked as a whole (for the decision and remote
/// targets), and rebuilt for a local target's model with that model's defaults and capability checks.
/// </summary>
internal static class OllamaRouting
{
    /// <summary>
    /// What a profile can do as far as request checks go: anything one of its targets might (tools, thinking); the
    /// router then keeps only the targets whose capabilities fit, and a local target's model is checked again.
    /// </summary>
    private static readonly ModelFacts ProfileFacts = new()
    {
        Family = "router",
        ParameterCount = 0,
        QuantizationLevel = "",
        // Stands for "tools and <think> may be asked for": the checks read the capabilities from the template text.
        ChatTemplate = "router profile: .Tools and <think> are passed to the chosen target",
    };

    /// <summary>The routed service, or null when this server has no router.</summary>
    public static RoutedInference? Routing(HttpContext http) => http.RequestServices.GetService<RoutedInference>();

    /// <summary>Starts a routed chat; null when a person answers later and the 202 with the ticket is written.</summary>
    public static Task<RoutedSession?> ChatAsync(HttpContext http, RoutedInference routing, ChatRequest request, string profile, bool stream) =>
        RouterApi.WithRouteHeader(http, routing.ChatAsync(OllamaCalls.Chat(request, profile, ProfileFacts), model =>
        {
            var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Require(model);
            var local = request with { Options = OptionsMapper.WithModelDefaults(request.Options, entry.Stored?.Parameters) };
            return OllamaCalls.Chat(local, model, ModelFacts.For(entry));
        }, stream, http.RequestAborted, OperatorWait.OllamaChat(http, profile, stream), NormsGate.Routed(http, profile)));

    /// <summary>Starts a routed completion; null when a person answers later and the 202 with the ticket is written.</summary>
    public static Task<RoutedSession?> GenerateAsync(HttpContext http, RoutedInference routing, GenerateRequest request, string profile, bool stream) =>
        RouterApi.WithRouteHeader(http, routing.CompleteAsync(OllamaCalls.Completion(request, profile, ProfileFacts), model =>
        {
            var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Require(model);
            var local = request with { Options = OptionsMapper.WithModelDefaults(request.Options, entry.Stored?.Parameters) };
            return OllamaCalls.Completion(local, model, ModelFacts.For(entry));
        }, stream, http.RequestAborted, OperatorWait.OllamaGenerate(http, profile, stream), NormsGate.Routed(http, profile)));
}
