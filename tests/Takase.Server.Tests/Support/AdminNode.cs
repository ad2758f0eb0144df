using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Support;

/// <summary>
/// A node of a test cluster: an in-process server on a loopback port whose database is the SQLite file of
/// <paramref name="dir"/> — so two nodes started on one folder share their state — requiring keys, with a client that
/// sends the admin key. For the tests of what one node's admin change does to another node or to a restart.
/// </summary>
public static class AdminNode
{
    /// <summary>Starts a node with <paramref name="args"/> (configuration as command-line settings).</summary>
    public static async Task<(WebApplication App, HttpClient Http)> StartAsync(TempDir dir, string adminKey, params string[] args)
    {
        var app = TakaseServer.Build(args, o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = dir.File("models");
            o.Database.Path = dir.File("takase.db");
            o.Auth.Required = "true";
            o.Auth.AdminKey = adminKey;
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return (app, http);
    }
}
