using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Templates;

namespace Takase.Cli.Commands;

/// <summary>Turns the errors a user can act on into one line on stderr and exit code 1, instead of a stack trace.</summary>
internal static class CliErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is GgufFormatException or FileNotFoundException or DirectoryNotFoundException
                                      or NotSupportedException or ArgumentException or ContextOverflowException
                                      or TemplateException or InvalidDataException or InvalidOperationException
                                      or UnauthorizedAccessException or IOException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
