using Takase.Cli.Client;
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

    /// <summary>The same for commands that talk to the server; server errors print its message.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ServerErrorException e) when (e.Status is 401 or 403)
        {
            // The server says what it wants; the CLI says where the key goes.
            Console.Error.WriteLine($"Error: {e.Message}");
            Console.Error.WriteLine(Environment.GetEnvironmentVariable(Client.ServerClient.ApiKeyVariable) is { Length: > 0 }
                ? $"The key in {Client.ServerClient.ApiKeyVariable} was refused (unknown, revoked, or without the role this needs)."
                : $"Set {Client.ServerClient.ApiKeyVariable} to your API key.");
            return 1;
        }
        catch (Exception e) when (e is ServerUnavailableException or ServerErrorException or ArgumentException or IOException)
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
