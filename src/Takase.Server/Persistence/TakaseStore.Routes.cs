using System.Text;
using System.Text.Json;
using Dapper;
using Takase.Routing.Decisions;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    // The decision's contributions quote the prompt (the words that moved the score), so the JSON is encrypted whole.
    private static readonly JsonSerializerOptions DecisionJson = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public void SaveDecision(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var json = JsonSerializer.Serialize(decision, DecisionJson);
        var row = new
        {
            decision.Id,
            CreatedMs = Ms(decision.CreatedAt),
            decision.Profile,
            Chosen = decision.Order.Count > 0 ? decision.Order[0] : "",
            Decision = _cipher.Encrypt(json, DecisionPlace(decision.Id)),
        };
        Run($"record route decision {decision.Id}", c => c.Execute("""
            INSERT INTO route_decisions (id, created_ms, profile, chosen, decision) VALUES (@Id, @CreatedMs, @Profile, @Chosen, @Decision)
            ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, chosen = excluded.chosen, decision = excluded.decision;
            """, row));
    }

    /// <inheritdoc />
    public RouteDecision? FindDecision(string id) =>
        Run($"read route decision {id}", c =>
            c.QuerySingleOrDefault<DecisionRow>("SELECT id AS Id, decision AS Decision FROM route_decisions WHERE id = @id;", new { id }) is { } row
                ? ToDecision(row) : null);

    /// <inheritdoc />
    public IReadOnlyList<RouteDecision> RecentDecisions(int count) =>
        count <= 0 ? [] : Run("read recent route decisions", c =>
            c.Query<DecisionRow>("SELECT id AS Id, decision AS Decision FROM route_decisions ORDER BY created_ms DESC, id DESC LIMIT @count;", new { count = (long)count })
                .Select(ToDecision).ToList());

    private static string DecisionPlace(string id) => $"route_decisions.decision:{id}";

    private RouteDecision ToDecision(DecisionRow row)
    {
        var json = _cipher.Decrypt(row.Decision, DecisionPlace(row.Id))!;
        return JsonSerializer.Deserialize<RouteDecision>(json, DecisionJson)
            ?? throw new StoredDataException($"route decision {row.Id} decrypted to an empty document ({Encoding.UTF8.GetByteCount(json)} bytes)");
    }

    private sealed class DecisionRow
    {
        public string Id { get; set; } = "";
        public byte[] Decision { get; set; } = [];
    }
}
