using System.Text.Json;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using Takase.Server.Feedback;
using Takase.Server.Persistence;
using Takase.Server.Persistence.Encryption;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Feedback;

/// <summary>Operator edits as a training signal: the edited target scores low, the correction's target high, prompts found through tickets.</summary>
public sealed class FeedbackEditTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();
    private readonly TakaseStore _store;

    public FeedbackEditTests() =>
        _store = TakaseStore.OpenSqlite(_dir.File("takase.db"), new EncryptionKeyRing(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray()));

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    [InlineData("東京都", "京都", 1)]
    public void Levenshtein_counts_insertions_deletions_and_substitutions(string a, string b, int expected) =>
        Assert.Equal(expected, FeedbackScores.Levenshtein(a, b));

    [Fact]
    public void An_edited_answer_scores_at_most_half_and_less_the_more_was_changed()
    {
        Assert.Equal(0.5, FeedbackScores.EditedScore("Your parcel arrives Monday.", "Your parcel arrives Monday."));
        Assert.Equal(0.5 * (1 - 3.0 / 7), FeedbackScores.EditedScore("kitten", "sitting"), 12);
        Assert.Equal(0, FeedbackScores.EditedScore("abc", "xyz"));
        Assert.Equal(0, FeedbackScores.EditedScore(null, "anything"));
    }

    [Fact]
    public void An_edit_in_the_dataset_scores_the_edited_target_by_similarity_and_the_credited_one_1()
    {
        var edit = new FeedbackEvent
        {
            Kind = FeedbackKind.Edit,
            Prompt = "Where is my parcel?",
            Target = "small",
            OtherTarget = "desk",
            Answer = "kitten",
            EditedText = "sitting",
        };
        var line = Assert.Single(FeedbackDataset.ToRoutingJsonl([edit]));
        var scores = JsonDocument.Parse(line).RootElement.GetProperty("scores");
        Assert.Equal(0.5 * (1 - 3.0 / 7), scores.GetProperty("small").GetDouble(), 12);
        Assert.Equal(1.0, scores.GetProperty("desk").GetDouble());
    }

    [Fact]
    public async Task An_edit_recorded_with_only_its_route_gets_prompt_and_targets_from_the_ticket_and_the_decision()
    {
        var routes = new RouteLog();
        routes.Record(Decision("rt_edit", order: ["small", "large"], answered: "small"));
        await _store.CreateTicketAsync(new Ticket { Reason = "user asked", RouteId = "rt_edit" },
        [
            TicketMessage.New("user", "Hello"),
            TicketMessage.New("user", "Where is my parcel 4711?"),
            TicketMessage.New("draft", "It is lost."),
            TicketMessage.New("user", "Thanks"),
        ], Cancel);
        var edit = new FeedbackEvent { Kind = FeedbackKind.Edit, RouteId = "rt_edit", Answer = "It is lost.", EditedText = "It arrives Monday." };

        var resolved = await new FeedbackContext(routes, _store).ResolveAsync(edit, Cancel);

        Assert.Equal("Where is my parcel 4711?", resolved.Prompt); // the text routed: last user message before the draft
        Assert.Equal("small", resolved.Target); // what answered on the route
        Assert.Equal("large", resolved.OtherTarget); // the profile's strongest candidate gets the correction's credit
        var scores = FeedbackScores.Of(resolved).ToDictionary();
        Assert.Equal(1.0, scores["large"]);
        Assert.True(scores["small"] < 0.5);
    }

    [Fact]
    public async Task A_human_answer_on_the_route_is_not_taken_for_the_edited_target()
    {
        var routes = new RouteLog();
        routes.Record(Decision("rt_desk", order: ["desk", "small"], answered: null, candidates: ["small", "desk"]));
        var edit = new FeedbackEvent { Kind = FeedbackKind.Edit, RouteId = "rt_desk", Prompt = "Refund please", Answer = "No.", EditedText = "Yes, today." };

        var resolved = await new FeedbackContext(routes, null, name => name == "desk").ResolveAsync(edit, Cancel);

        Assert.Null(resolved.Target);
        Assert.Equal("desk", resolved.OtherTarget);
        Assert.Empty(FeedbackDataset.ToRoutingJsonl([resolved])); // one scored target teaches no difference
        // With the draft's target recorded (as the operator API does), the edit is a pair.
        var withDraft = await new FeedbackContext(routes, null, name => name == "desk").ResolveAsync(edit with { Target = "small" }, Cancel);
        Assert.Single(FeedbackDataset.ToRoutingJsonl([withDraft]));
    }

    [Theory]
    [InlineData("small", 1.0, "large", 0.0, 0.0)] // the cheap tier won: weak suffices
    [InlineData("small", 0.2, "large", 0.9, 1.0)] // the strong tier was better
    [InlineData("small", 0.5, "large", 0.5, 0.0)] // a tie is not a strong win
    public void Two_scored_tiers_give_the_strong_wins_label(string a, double sa, string b, double sb, double label) =>
        Assert.Equal(label, OnlineRouterLearning.StrongWins(Profile(), new Dictionary<string, double> { [a] = sa, [b] = sb }));

    [Fact]
    public void One_scored_tier_teaches_only_below_the_top()
    {
        Assert.Equal(1.0, OnlineRouterLearning.StrongWins(Profile(), new Dictionary<string, double> { ["small"] = 0 }));
        Assert.Equal(0.0, OnlineRouterLearning.StrongWins(Profile(), new Dictionary<string, double> { ["small"] = 0.75 }));
        Assert.Null(OnlineRouterLearning.StrongWins(Profile(), new Dictionary<string, double> { ["large"] = 1 }));
        Assert.Null(OnlineRouterLearning.StrongWins(Profile(), new Dictionary<string, double> { ["elsewhere"] = 0 }));
    }

    private static RouterProfile Profile() => new() { Name = "p", Candidates = ["small", "large"], Strategy = RoutingStrategy.NGram };

    private static RouteDecision Decision(string id, string[] order, string? answered, string[]? candidates = null) => new()
    {
        Id = id,
        CreatedAt = DateTimeOffset.UtcNow,
        Profile = "support",
        Strategy = "ngram",
        Candidates = (candidates ?? ["small", "large"]).Select(c => new CandidateAssessment(c, true, null, null, 0)).ToList(),
        Order = order,
        Reason = "test",
        Hops = answered is null ? [] : [new RouteHop(answered, "ok", TimeSpan.FromMilliseconds(5))],
    };
}
