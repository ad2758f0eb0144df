using Microsoft.Extensions.Configuration;

namespace Takase.Routing.Configuration;

/// <summary>
/// Reads the router's configuration (<c>Takase:Router</c> in appsettings.json, <c>TAKASE__Router__…</c> environment
/// variables, or any other configuration source) and validates it, so a bad target or profile stops the server at
/// start-up with every problem named by its key rather than failing requests later.
/// </summary>
public static class RouterConfiguration
{
    /// <summary>
    /// Binds and validates the <see cref="RouterOptions.Section"/> section of <paramref name="configuration"/> (the
    /// configuration root). A missing section gives a router with no targets and no profiles.
    /// </summary>
    /// <exception cref="RouterConfigurationException">a value cannot be read or the configuration is invalid; lists every problem.</exception>
    public static RouterSetup Load(IConfiguration configuration)
    {
        var problems = new List<string>();
        var options = Bind(configuration.GetSection(RouterOptions.Section), problems);
        return RouterSetup.Validate(options, problems);
    }

    /// <summary>
    /// Binds the section without validating it (for tools that edit configuration): values that cannot be read are
    /// left at their defaults and reported in <paramref name="problems"/>.
    /// </summary>
    public static RouterOptions Bind(IConfigurationSection section, List<string> problems) =>
        new SectionBinder(problems).Bind<RouterOptions>(section);
}
