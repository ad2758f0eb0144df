namespace Takase.Routing.Norms;

/// <summary>A norms profile that cannot be used as written; the message names the key (Input:0:Regex) and why.</summary>
public sealed class NormsConfigurationException(string message) : Exception(message);
