namespace Takase.Routing.Privacy;

/// <summary>
/// A request carries personal data that its profile's policy blocks. The message and <see cref="Types"/> name the
/// entity types only, never the values, so the exception can be logged and returned to the client as it is.
/// </summary>
public sealed class PiiBlockedException : Exception
{
    /// <summary>An exception naming the blocked <paramref name="types"/>.</summary>
    public PiiBlockedException(IReadOnlyList<PiiEntityType> types)
        : base($"the request contains personal data that this profile's privacy policy blocks ({string.Join(", ", types.Select(t => t.WireName()))}); " +
               "remove it from the message or ask an administrator to change the policy")
    {
        Types = types;
    }

    /// <summary>The blocked entity types, each once.</summary>
    public IReadOnlyList<PiiEntityType> Types { get; }
}
