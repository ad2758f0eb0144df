using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Cli.Client;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>--save</c> of <c>takase eval</c> and <c>takase router eval</c>: posts each computed run to a running server
/// (<c>--server</c>, else TAKASE_HOST, else 127.0.0.1:11434; TAKASE_API_KEY when keys are required, an admin key).
/// Runs are printed before they are saved, so a failed save loses nothing: the unsaved runs go to a JSON file the
/// error names, ready to post again.
/// </summary>
internal static class EvaluationUpload
{
    /// <summary>Posts each body to <paramref name="path"/>; 0 when all were stored, else 1 after saying what failed and where the runs are.</summary>
    public static int Save(string? server, string path, IReadOnlyList<(string Name, JsonObject Body)> runs, CancellationToken cancel)
    {
        if (runs.Count == 0)
        {
            Console.Error.WriteLine("nothing to save: no run succeeded");
            return 1;
        }
        using var client = new ServerClient(server);
        var unsaved = new JsonArray();
        string? error = null;
        foreach (var (name, body) in runs)
        {
            try
            {
                var stored = client.PostAsync(path, body, cancel).GetAwaiter().GetResult();
                Console.Error.WriteLine($"saved {name} as {(string?)stored["id"]} on {client.BaseAddress}");
            }
            catch (Exception e) when (e is ServerUnavailableException or ServerErrorException)
            {
                error ??= e is ServerErrorException { Status: 401 or 403 } ? $"{e.Message} (saving needs an admin key in {ServerClient.ApiKeyVariable})" : e.Message;
                unsaved.Add(body.DeepClone());
            }
        }
        if (unsaved.Count == 0) return 0;

        var file = Path.Combine(Path.GetTempPath(), $"takase-unsaved-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.json");
        File.WriteAllText(file, unsaved.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Console.Error.WriteLine($"Error: could not save {unsaved.Count} of {runs.Count} run{(runs.Count == 1 ? "" : "s")} to {client.BaseAddress}: {error}");
        Console.Error.WriteLine($"The results are printed above; the unsaved runs are in {file} (POST each element to {path} when the server is reachable).");
        return 1;
    }
}
