namespace Takase.Routing.Data;

/// <summary>
/// A routing dataset (or a trained router file) that cannot be used, with every problem found: the message names the
/// file and lists the bad lines so they can be fixed in one pass.
/// </summary>
public sealed class RoutingDataException(string message, Exception? inner = null) : Exception(message, inner);
