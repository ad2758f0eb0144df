namespace Takase.Routing.Norms;

/// <summary>
/// A norms profile that cannot be used as written; the message names the key (Input:0:Regex) and why. An
/// <see cref="ArgumentException"/>, so the admin API answers it with a 400.
/// </summary>
public sealed class NormsConfigurationException(string message) : ArgumentException(message);
