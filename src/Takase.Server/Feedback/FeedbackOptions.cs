namespace Takase.Server.Feedback;

/// <summary>
/// <c>Takase:Feedback</c>: how feedback teaches the router while it serves. Online learning is per profile, e.g.
/// <c>Takase:Feedback:Learning:auto:OnlineUpdateEvery=20</c> (appsettings.json or <c>TAKASE__Feedback__Learning__auto__OnlineUpdateEvery</c>).
/// </summary>
public sealed class FeedbackOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Takase:Feedback";

    /// <summary>
    /// How often the server looks for feedback it did not record itself (operator edits, other nodes); feedback posted
    /// to this node's /api/feedback is looked at immediately.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Online learning per router profile, by profile name.</summary>
    public Dictionary<string, ProfileLearningOptions> Learning { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The settings of <paramref name="profile"/> when its online learning is on, else null.</summary>
    public ProfileLearningOptions? For(string profile) =>
        Learning.TryGetValue(profile, out var o) && o.OnlineUpdateEvery > 0 ? o : null;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the setting that is wrong.</summary>
    public void Validate()
    {
        if (PollInterval < TimeSpan.FromMilliseconds(100))
            throw new ArgumentException($"{Section}:PollInterval must be at least 00:00:00.1, not {PollInterval}");
        foreach (var (name, o) in Learning)
        {
            var key = $"{Section}:Learning:{name}";
            if (o.OnlineUpdateEvery < 0) throw new ArgumentException($"{key}:OnlineUpdateEvery must be 0 (off) or a number of feedback events, not {o.OnlineUpdateEvery}");
            if (!(o.LearningRate > 0 && o.LearningRate <= 10)) throw new ArgumentException($"{key}:LearningRate must be in (0, 10], not {o.LearningRate}");
            if (o.Epochs is < 1 or > 100) throw new ArgumentException($"{key}:Epochs must be 1..100, not {o.Epochs}");
        }
    }
}

/// <summary>One profile's online learning (n-gram profiles only).</summary>
public sealed class ProfileLearningOptions
{
    /// <summary>After this many new feedback events about the profile's prompts, the model takes SGD steps on them; 0 = off.</summary>
    public int OnlineUpdateEvery { get; set; }
    /// <summary>The SGD step size: small, so events nudge what full training learned rather than overwrite it.</summary>
    public double LearningRate { get; set; } = 0.2;
    /// <summary>Passes over each batch of events.</summary>
    public int Epochs { get; set; } = 1;
    /// <summary>Whether each update is written back to the profile's model file (so a restart keeps it).</summary>
    public bool Persist { get; set; } = true;
}
