namespace Takase.Routing.Privacy;

/// <summary>What a privacy policy does with one kind of personal data before a prompt leaves the gateway.</summary>
public enum PiiAction
{
    /// <summary>Leave it as it is.</summary>
    Allow,
    /// <summary>Replace its letters and digits with '*' for good (the answer cannot refer back to it).</summary>
    Mask,
    /// <summary>Replace it with a placeholder such as &lt;EMAIL_1&gt; and put the original back into the answer.</summary>
    Redact,
    /// <summary>Refuse the request (<see cref="PiiBlockedException"/>).</summary>
    Block,
    /// <summary>Leave it as it is, but only targets running locally may see the request.</summary>
    LocalOnly,
}
