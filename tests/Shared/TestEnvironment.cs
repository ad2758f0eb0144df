using System.Runtime.CompilerServices;

namespace Takase.Tests.Support;

/// <summary>
/// Keeps every test process out of the user's own Takase folder: servers started by the tests (in-process or as
/// `takase serve` child processes, which inherit the variable) keep their database in a temporary TAKASE_HOME.
/// </summary>
internal static class TestEnvironment
{
    [ModuleInitializer]
    internal static void IsolateTakaseHome()
    {
        if (Environment.GetEnvironmentVariable("TAKASE_HOME") is { Length: > 0 }) return;
        Environment.SetEnvironmentVariable("TAKASE_HOME", Directory.CreateTempSubdirectory("takase-home-").FullName);
    }
}
