using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Takase.Server.Hosting;

namespace Takase.Cli.Commands;

/// <summary><c>takase serve</c>: the Ollama- and OpenAI-compatible server.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string?>("--host") { Description = "Address to listen on (default 127.0.0.1:11434; TAKASE_HOST or OLLAMA_HOST)." };
        var models = new Option<string?>("--models") { Description = "Folder of GGUF models to serve (default ~/.takase/models; TAKASE_MODELS)." };
        var parallel = new Option<int?>("--parallel") { Description = "Sequences per model generated at once (default 4; OLLAMA_NUM_PARALLEL)." };
        var command = new Command("serve", "Start the server (Ollama API under /api, OpenAI API under /v1).") { host, models, parallel };
        command.SetAction(async (parse, cancel) =>
        {
            try
            {
                await using var app = TakaseServer.Build([], o =>
                {
                    if (parse.GetValue(host) is { } h) o.Host = h;
                    if (parse.GetValue(models) is { } m) o.ModelsDirectory = Path.GetFullPath(m);
                    if (parse.GetValue(parallel) is { } p) o.ParallelSlots = p;
                });
                await app.StartAsync(cancel);
                await app.WaitForShutdownAsync(cancel);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                Console.Error.WriteLine($"Error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
