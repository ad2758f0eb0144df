namespace Takase.Routing.Configuration;

/// <summary>
/// The router's configuration is invalid: thrown at start-up with every problem found, each naming its configuration
/// key ("Takase:Router:Profiles:auto:Candidates:2 names 'gpt5' which is not a configured target"), so one run shows
/// everything to fix.
/// </summary>
public sealed class RouterConfigurationException : Exception
{
    /// <summary>Creates the exception from the problems found, one sentence each.</summary>
    public RouterConfigurationException(IReadOnlyList<string> problems)
        : base(Format(problems)) => Problems = problems;

    /// <summary>Every problem found, one sentence each, each starting with the configuration key it concerns.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(IReadOnlyList<string> problems) =>
        $"The router configuration ({RouterOptions.Section}) has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:"
        + string.Concat(problems.Select(p => "\n  - " + p));
}
