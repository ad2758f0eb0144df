using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takase.Engine;
using Takase.Server.Hosting;
using Takase.Server.Models;
using Takase.Tests.Support;

namespace Takase.Server.Tests.OpenAI;

/// <summary>A client that goes away mid-stream must free its slot: tested on a server of its own with one slot.</summary>
public class ClientDisconnectTests
{
    [Fact]
    public async Task DisconnectingMidStreamStopsTheGeneration()
    {
        var cancel = TestContext.Current.CancellationToken;
        var path = SharedData.Path("models/stories260K.gguf");
        using var dir = new TempDir();
        File.CreateSymbolicLink(dir.File("stories260K.gguf"), path);
        await using var app = TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = dir.Path;
            o.ParallelSlots = 1;
            o.MaxQueue = 4;
        });
        await app.StartAsync(cancel);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };

        // An answer that does not end by itself: every end token banned, a limit far away, and context shift on.
        using (var model = LanguageModel.Load(path))
        {
            var ban = Enumerable.Range(0, model.Tokenizer.VocabSize).Where(model.Tokenizer.IsEndOfGeneration).ToDictionary(id => id.ToString(), _ => -100);
            var endless = JsonSerializer.Serialize(new { model = "stories260K", prompt = "Once upon a time", max_tokens = 10_000_000, logit_bias = ban, stream = true });
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(endless, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
            for (var events = 0; events < 20;)
            {
                var line = await reader.ReadLineAsync(cancel) ?? throw new InvalidOperationException("the stream ended by itself");
                if (line.StartsWith("data: {", StringComparison.Ordinal)) events++;
                Assert.DoesNotContain("\"finish_reason\":\"", line);
            }
            var scheduler = app.Services.GetRequiredService<ModelManager>().Loaded.Single().Scheduler;
            Assert.Equal(1, scheduler.Running);
        } // leaving the block closes the connection mid-stream

        // The only slot is free again once the endless answer has stopped; otherwise this waits until the timeout.
        var (status, body) = await OpenAiHttp.PostAsync(http, "v1/completions", new { model = "stories260K", prompt = "Once upon a time", temperature = 0, max_tokens = 4 });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(4, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }
}
