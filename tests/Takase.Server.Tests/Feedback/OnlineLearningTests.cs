using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing.Data;
using Takase.Routing.Decisions;
using Takase.Routing.Learned;
using Takase.Routing.Learned.NGram;
using Takase.Server.Feedback;
using Takase.Server.Routing;
using Takase.Server.Tests.Access;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Feedback;

/// <summary>
/// Online learning on a real server: a learning n-gram profile whose model sends translations to the weak target
/// changes its mind after N preferences saying the strong target was right, at once and durably.
/// </summary>
public sealed class OnlineLearningTests : IDisposable
{
    private const int Every = 10;
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Languages = ["French", "German", "Spanish", "Italian", "Dutch", "Polish", "Swedish", "Greek", "Czech", "Danish", "Finnish", "Thai"];
    private static readonly string[] Things = ["this menu", "my letter", "the invoice", "a poem", "the sign", "our notice", "his note", "the recipe"];

    private static string Translation(int i) => $"Translate {Things[i % Things.Length]} into {Languages[i % Languages.Length]} please";

    /// <summary>A router trained to think translations are easy (weak suffices) and proofs hard.</summary>
    private string TrainRouter()
    {
        var examples = new List<RoutingExample>();
        for (var i = 0; i < 40; i++)
        {
            examples.Add(new RoutingExample(2 * i + 1, $"t{i}", null, Translation(i), null, new Dictionary<string, double> { ["weak-t"] = 1, ["strong-t"] = 1 }));
            examples.Add(new RoutingExample(2 * i + 2, $"p{i}", null, $"Prove that the sum of the first {i + 3} odd numbers is a square", null,
                new Dictionary<string, double> { ["weak-t"] = 0, ["strong-t"] = 1 }));
        }
        var model = NGramTrainer.Train(RoutingDataset.FromExamples("planted", "weak-t", "strong-t", examples), new NGramOptions { Buckets = 1 << 14 });
        var path = _dir.File("learn.router.json");
        RoutingModelFile.Save(model, path);
        return path;
    }

    private async Task<AccessServer> StartAsync(string modelPath)
    {
        const string r = "--Takase:Router:";
        return await AccessServer.StartAsync(args:
        [
            $"{r}Targets:weak-t:Kind=Remote", $"{r}Targets:weak-t:Endpoint=http://127.0.0.1:9/v1", $"{r}Targets:weak-t:Model=small",
            $"{r}Targets:strong-t:Kind=Remote", $"{r}Targets:strong-t:Endpoint=http://127.0.0.1:9/v1", $"{r}Targets:strong-t:Model=large",
            $"{r}Profiles:learn:Strategy=NGram", $"{r}Profiles:learn:Candidates:0=weak-t", $"{r}Profiles:learn:Candidates:1=strong-t",
            $"{r}Profiles:learn:Threshold=0.5", $"{r}Profiles:learn:ModelPath={modelPath}",
            $"--Takase:Feedback:Learning:learn:OnlineUpdateEvery={Every}", "--Takase:Feedback:Learning:learn:LearningRate=1",
            "--Takase:Feedback:Learning:learn:Epochs=3",
            "--Takase:Feedback:PollInterval=01:00:00", // only the POSTs' signals and the test's own look trigger learning
        ]);
    }

    private static RouteDecision Decide(AccessServer server, string prompt) =>
        server.Services.GetRequiredService<RouterHost>().Router.Decide(new RouteRequest { Profile = "learn", Messages = [new RouteMessage("user", prompt)] });

    private static async Task PreferStrongAsync(AccessServer server, string prompt)
    {
        using var response = await server.SendAsync(HttpMethod.Post, "/api/feedback", null,
            new { preference = new { chosen = "strong-t", rejected = "weak-t", prompt } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task N_preferences_for_the_strong_target_change_the_next_decision_and_its_explanation_and_survive_a_restart()
    {
        var path = TrainRouter();
        const string probe = "Translate the contract into Japanese please";
        await using (var server = await StartAsync(path))
        {
            var learning = server.Services.GetRequiredService<OnlineRouterLearning>();
            var before = Decide(server, probe);
            Assert.Equal("weak-t", before.Order[0]);
            Assert.True(before.Score < 0.5, $"score {before.Score}");

            for (var i = 0; i < Every - 1; i++) await PreferStrongAsync(server, Translation(i));
            await learning.CatchUpAsync(Cancel);
            Assert.Equal(0, learning.LiveModel("learn")!.Updates); // N − 1 events: nothing changes yet
            Assert.Equal("weak-t", Decide(server, probe).Order[0]);

            await PreferStrongAsync(server, Translation(Every - 1));
            await learning.CatchUpAsync(Cancel);
            Assert.Equal(1, learning.LiveModel("learn")!.Updates);

            var after = Decide(server, probe);
            Assert.Equal("strong-t", after.Order[0]);
            Assert.True(after.Score > 0.5, $"score {after.Score}");
            // The explanation moved with the weights: the prompt's words now push towards the strong target, and the
            // strongest such contribution points at the prompt's text.
            var top = after.Contributions.Where(c => c.Text is not null).MaxBy(c => c.Weight)!;
            Assert.True(top.Weight > 0);
            Assert.Equal(top.Text, probe.Substring(top.Start, top.Length));
            Assert.True(after.Contributions.Where(c => c.Weight > 0).Sum(c => c.Weight) > before.Contributions.Where(c => c.Weight > 0).Sum(c => c.Weight));
        }

        // The update was written to the profile's model file, so a restarted server decides as the updated one did.
        Assert.True(RoutingModelFile.Load(path).Score(probe).StrongNeed > 0.5);
        await using var restarted = await StartAsync(path);
        Assert.Equal("strong-t", Decide(restarted, probe).Order[0]);
    }

    [Fact]
    public async Task A_profile_without_the_setting_keeps_its_trained_model()
    {
        var path = TrainRouter();
        const string r = "--Takase:Router:";
        await using var server = await AccessServer.StartAsync(args:
        [
            $"{r}Targets:weak-t:Kind=Remote", $"{r}Targets:weak-t:Endpoint=http://127.0.0.1:9/v1", $"{r}Targets:weak-t:Model=small",
            $"{r}Targets:strong-t:Kind=Remote", $"{r}Targets:strong-t:Endpoint=http://127.0.0.1:9/v1", $"{r}Targets:strong-t:Model=large",
            $"{r}Profiles:learn:Strategy=NGram", $"{r}Profiles:learn:Candidates:0=weak-t", $"{r}Profiles:learn:Candidates:1=strong-t",
            $"{r}Profiles:learn:Threshold=0.5", $"{r}Profiles:learn:ModelPath={path}",
        ]);
        var learning = server.Services.GetRequiredService<OnlineRouterLearning>();
        var written = File.GetLastWriteTimeUtc(path);
        for (var i = 0; i < Every; i++) await PreferStrongAsync(server, Translation(i));
        Assert.Equal(0, await learning.CatchUpAsync(Cancel));
        Assert.Null(learning.LiveModel("learn"));
        Assert.Equal("weak-t", Decide(server, "Translate the contract into Japanese please").Order[0]);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Bad_learning_settings_are_refused_naming_the_setting()
    {
        var options = new FeedbackOptions { Learning = { ["auto"] = new ProfileLearningOptions { OnlineUpdateEvery = 5, LearningRate = -1 } } };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Takase:Feedback:Learning:auto:LearningRate", e.Message);
    }
}
