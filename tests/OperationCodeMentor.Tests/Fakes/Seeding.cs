using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>Bulk set-up for tests that need a large or back-dated history; the behaviour under test still runs through HTTP.</summary>
public static class Seeding
{
    /// <summary>Adds skills to the form's list (coordinators edit these lists in the store; there is no Slack command for it).</summary>
    public static async Task AddSkillsAsync(this MentorBot bot, IEnumerable<string> names)
    {
        await bot.Store.GetOptionListsAsync();
        await using var c = new SqliteConnection($"Data Source={Path.Combine(bot.DataFolder, "mentorship.db")}");
        await c.OpenAsync();
        await using var tx = c.BeginTransaction();
        var position = 1000;
        foreach (var name in names)
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT OR IGNORE INTO option_items(list, name, position) VALUES ('skillsets', $n, $p)";
            cmd.Parameters.AddWithValue("$n", name);
            cmd.Parameters.AddWithValue("$p", position++);
            await cmd.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    public static IReadOnlyList<string> ManySkills(int count) =>
        Enumerable.Range(1, count).Select(i => $"{(char)('A' + i % 26)}kill {i:D3}").ToList();

    /// <summary>Stores a request made at <paramref name="at"/> as if it had been posted to the mentors channel.</summary>
    public static async Task<MentorRequest> SeedRequestAsync(this MentorBot bot, string mentee, string[] skills, DateTimeOffset at,
        string service = "Code Review", string details = "Seeded request details for a test.")
    {
        var number = await bot.Store.ReserveRequestNumberAsync();
        var r = await bot.Store.CreateRequestAsync(new NewMentorRequest(number, mentee, mentee.ToLowerInvariant(), service, skills, details, "Veteran", at)
        {
            Post = new RequestPost(MentorBot.MentorsChannelId, $"1700000000.{number:D6}", []),
        });
        return r.Request;
    }

    /// <summary>Stores a request straight into a store, numbered as the intake would (for store-level set-up).</summary>
    public static async Task<TrackedRequest> CreateAsync(this OperationCodeMentor.Storage.IMentorshipStore store, string mentee, string[] skills, string details,
        DateTimeOffset at, RequestPost? post = null)
    {
        var number = await store.ReserveRequestNumberAsync();
        return await store.CreateRequestAsync(new NewMentorRequest(number, mentee, null, "Code Review", skills, details, "Veteran", at) { Post = post });
    }

    public static async Task<JsonObject> AckAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Every block in a message or view, flattened to the elements inside actions blocks and accessories.</summary>
    public static IEnumerable<JsonObject> Elements(JsonNode? blocks) =>
        (blocks as JsonArray ?? []).OfType<JsonObject>().SelectMany(b =>
            (b["elements"] as JsonArray ?? []).OfType<JsonObject>().Concat(b["accessory"] is JsonObject a ? [a] : []));
}
