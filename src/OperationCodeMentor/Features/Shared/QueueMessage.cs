using System.Globalization;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>The open queue for coordinators, oldest first, a page at a time, each request with <see cref="CoordinatorButtons"/>.</summary>
public static class QueueMessage
{
    /// <summary>Two blocks a request, so a page stays well inside a message's 50 blocks.</summary>
    public const int PageSize = 20;

    public static int Pages(int count) => Math.Max(1, (count + PageSize - 1) / PageSize);

    /// <param name="held">The requests on hold, by reference, with the moment each comes back.</param>
    public static (string Text, JsonArray Blocks) Build(IReadOnlyList<MentorRequest> open, IReadOnlyList<MentorLoad> mentors, DateTimeOffset now, int page,
        IReadOnlyDictionary<string, DateTimeOffset>? held = null)
    {
        var pages = Pages(open.Count);
        page = Math.Clamp(page, 1, pages);
        if (open.Count == 0)
            return ("No open requests.", BlockKit.Blocks([BlockKit.Section(":tada: *No open requests.* Every request has a mentor.")]));

        var blocks = new List<JsonObject>
        {
            BlockKit.Section($"*{open.Count} open request{(open.Count == 1 ? "" : "s")}*, oldest first" + (pages > 1 ? $" · page {page} of {pages}" : "")),
        };
        var shown = open.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        foreach (var r in shown) blocks.AddRange(Entry(r, mentors, now, HeldUntil(held, r)));

        var before = (page - 1) * PageSize;
        var after = open.Count - before - shown.Count;
        if (after > 0 || before > 0)
        {
            blocks.Add(BlockKit.Context(after > 0
                ? $"…and {after} more. `/mentor-admin open {page + 1}` shows the next page."
                : $"{before} older request{(before == 1 ? "" : "s")} on the earlier pages."));
            var nav = new List<JsonObject>();
            if (before > 0) nav.Add(BlockKit.Button("◂ Older", RequestButtons.QueuePage, (page - 1).ToString(CultureInfo.InvariantCulture)));
            if (after > 0) nav.Add(BlockKit.Button("Newer ▸", RequestButtons.QueuePage, (page + 1).ToString(CultureInfo.InvariantCulture)));
            blocks.Add(BlockKit.Actions("admin_queue_pages", [.. nav]));
        }
        return ($"{open.Count} open requests", BlockKit.Blocks(blocks));
    }

    public static DateTimeOffset? HeldUntil(IReadOnlyDictionary<string, DateTimeOffset>? held, MentorRequest r) =>
        held is not null && held.TryGetValue(r.Reference, out var until) ? until : null;

    /// <summary>One request: its age, service, skills and matching mentors (and its hold), then Assign to…, Ask for details, Close and Hold… or End hold.</summary>
    public static IEnumerable<JsonObject> Entry(MentorRequest r, IReadOnlyList<MentorLoad> mentors, DateTimeOffset now, DateTimeOffset? heldUntil = null)
    {
        var available = MentorMatcher.Match(r.Skills, mentors, int.MaxValue).Count;
        var match = available switch
        {
            0 => ":warning: no available mentor lists these skills",
            1 => "1 available mentor matches",
            _ => $"{available} available mentors match",
        };
        yield return BlockKit.Section(
            $"*{r.Reference}* · waiting {SlackDates.Duration(now - r.CreatedAt)} · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · from {Mrkdwn.User(r.MenteeSlackId)}\n" +
            $"Skills: {Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 600)} · {match}\n" +
            $">{Mrkdwn.EscapeAndTruncate(r.Details.ReplaceLineEndings(" "), 300)}" +
            (heldUntil is { } back ? $"\n:double_vertical_bar: *On hold until {SlackDates.When(back)}*" : ""));
        yield return CoordinatorButtons.For(r, heldUntil);
    }
}
