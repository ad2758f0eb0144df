using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Persistence;
using Takase.Server.Tests.Access;

namespace Takase.Server.Tests.Feedback;

/// <summary>POST /api/feedback and GET /api/feedback against a real server and database.</summary>
public sealed class FeedbackApiTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(AccessServer server, string json, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/feedback") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new("Bearer", key);
        using var response = await server.Http.SendAsync(request, Cancel);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone());
    }

    private static async Task<JsonElement[]> ListAsync(AccessServer server, string query = "", string? key = null)
    {
        using var response = await server.SendAsync(HttpMethod.Get, "/api/feedback" + query, key);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("feedback").EnumerateArray()];
    }

    [Fact]
    public async Task Preferences_and_ratings_become_router_training_data_that_trains_a_router()
    {
        await using var server = await AccessServer.StartAsync();
        // Users preferred the strong model on proofs and the local one on stories; ratings add a second score to one prompt.
        for (var i = 0; i < 20; i++)
        {
            var proof = $$$"""{"preference": {"chosen": "gpt", "rejected": "local", "prompt": "Prove the theorem number {{{i}}}"}}""";
            var story = $$$"""{"preference": {"chosen": "local", "rejected": "gpt", "prompt": "Tell a short story number {{{i}}}"}}""";
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(server, proof)).Status);
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(server, story)).Status);
        }
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(server, """{"target": "local", "rating": 5, "prompt": "Say hi"}""")).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(server, """{"target": "gpt", "rating": "down", "prompt": "Say hi"}""")).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(server, """{"target": "gpt", "rating": "up", "prompt": "Only one target rated"}""")).Status);

        using var response = await server.SendAsync(HttpMethod.Get, "/api/feedback/routing.jsonl", null);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(41, lines.Length); // 40 preferences + "Say hi"; the prompt with one rated target teaches nothing
        var hi = JsonDocument.Parse(lines.Single(l => l.Contains("Say hi", StringComparison.Ordinal))).RootElement.GetProperty("scores");
        Assert.Equal(1.0, hi.GetProperty("local").GetDouble());
        Assert.Equal(0.0, hi.GetProperty("gpt").GetDouble());

        // What `takase router train feedback.jsonl --weak local --strong gpt` reads.
        using var dir = new Takase.Tests.Support.TempDir();
        File.WriteAllText(dir.File("feedback.jsonl"), text);
        var data = Takase.Routing.Data.RoutingDataset.Load(dir.File("feedback.jsonl"), new Takase.Routing.Data.RoutingDatasetOptions { Weak = "local", Strong = "gpt" });
        var router = Takase.Routing.Learned.RouterTraining.Train(data);
        Assert.True(router.Score("Prove the theorem number 99").StrongNeed > router.Score("Tell a short story number 99").StrongNeed);
    }

    [Fact]
    public async Task Ratings_edits_and_preferences_are_stored_and_read_back()
    {
        await using var server = await AccessServer.StartAsync();
        var (s1, thumb) = await PostAsync(server, """{"route_id": "rt_1", "model": "auto", "rating": "up", "comment": "spot on"}""");
        var (s2, score) = await PostAsync(server, """{"route_id": "rt_2", "target": "local", "rating": 2}""");
        var (s3, edit) = await PostAsync(server, """{"route_id": "rt_1", "target": "local", "edit": {"original": "Paris is in Spain.", "corrected": "Paris is in France."}}""");
        var (s4, preference) = await PostAsync(server, """{"preference": {"chosen": "gpt", "rejected": "local", "prompt": "capital of France?"}}""");
        Assert.All(new[] { s1, s2, s3, s4 }, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.StartsWith("fb_", thumb.GetProperty("id").GetString());

        var all = await ListAsync(server);
        Assert.Equal(4, all.Length);
        JsonElement Find(JsonElement posted) => all.Single(f => f.GetProperty("id").GetString() == posted.GetProperty("id").GetString());
        Assert.Equal("up", Find(thumb).GetProperty("rating").GetString());
        Assert.Equal("auto", Find(thumb).GetProperty("target").GetString());
        Assert.Equal("spot on", Find(thumb).GetProperty("comment").GetString());
        Assert.Equal(2, Find(score).GetProperty("rating").GetInt32());
        Assert.Equal("edit", Find(edit).GetProperty("kind").GetString());
        Assert.Equal("Paris is in France.", Find(edit).GetProperty("corrected").GetString());
        Assert.Equal("Paris is in Spain.", Find(edit).GetProperty("answer").GetString());
        Assert.Equal("preference", Find(preference).GetProperty("kind").GetString());
        Assert.Equal("gpt", Find(preference).GetProperty("target").GetString());
        Assert.Equal("local", Find(preference).GetProperty("other_target").GetString());
        Assert.Equal("capital of France?", Find(preference).GetProperty("prompt").GetString());

        var forRoute = await ListAsync(server, "?route_id=rt_1");
        Assert.Equal([edit.GetProperty("id").GetString(), thumb.GetProperty("id").GetString()], forRoute.Select(f => f.GetProperty("id").GetString()));
        Assert.Single(await ListAsync(server, "?limit=1"));
    }

    [Theory]
    [InlineData("""{"rating": 7}""", "rating:")]
    [InlineData("""{"rating": "meh"}""", "rating:")]
    [InlineData("""{"rating": 2.5}""", "rating:")]
    [InlineData("""{"comment": "no rating"}""", "rating:")]
    [InlineData("""{"rating": "up", "edit": {"corrected": "x"}}""", "rating:")]
    [InlineData("""{"edit": {"original": "x"}}""", "edit.corrected:")]
    [InlineData("""{"preference": {"chosen": "a", "rejected": "a"}}""", "preference.rejected:")]
    [InlineData("""{"preference": {"rejected": "a"}}""", "preference.chosen:")]
    public async Task Invalid_feedback_is_400_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await AccessServer.StartAsync();
        var (status, body) = await PostAsync(server, json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field, body.GetProperty("error").GetString());
        Assert.Empty(await ListAsync(server));
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_400()
    {
        await using var server = await AccessServer.StartAsync();
        var (status, body) = await PostAsync(server, """{"rating": "up", "route_id": 5}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("route_id", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task With_keys_required_the_author_is_the_clients_key()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (id, secret) = await server.CreateKeyAsync("app", "client");
        var (status, _) = await PostAsync(server, """{"rating": "down"}""", secret);
        Assert.Equal(HttpStatusCode.Created, status);
        var (anonymous, _) = await PostAsync(server, """{"rating": "down"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Equal(id, (await ListAsync(server, key: AccessServer.AdminKey)).Single().GetProperty("author").GetString());
    }

    [Fact]
    public async Task During_a_database_outage_feedback_is_accepted_202_and_written_when_it_is_back()
    {
        await using var server = await AccessServer.StartAsync(o => o.Database.RetryInterval = TimeSpan.FromMilliseconds(50));
        server.TakeDatabaseAway();
        var (status, body) = await PostAsync(server, """{"route_id": "rt_outage", "rating": 5}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(body.GetProperty("queued").GetBoolean());
        var id = body.GetProperty("id").GetString();
        using (var reading = await server.SendAsync(HttpMethod.Get, "/api/feedback", null))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, reading.StatusCode);

        server.BringDatabaseBack();
        // The server's own retry writes it; wait for that (bounded), then read it back over HTTP.
        var recorder = server.Services.GetRequiredService<FeedbackRecorder>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (recorder.Pending > 0 && DateTime.UtcNow < deadline) await Task.Delay(20, Cancel);
        Assert.Equal(0, recorder.Pending);
        var stored = Assert.Single(await ListAsync(server, "?route_id=rt_outage"));
        Assert.Equal(id, stored.GetProperty("id").GetString());
        Assert.Equal(5, stored.GetProperty("rating").GetInt32());
    }
}
