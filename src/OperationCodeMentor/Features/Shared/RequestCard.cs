using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The request's message in the mentors channel, in each state it can be in. Everything the mentee typed is
/// escaped, so details such as <c>&lt;!channel&gt;</c> ping nobody.
/// </summary>
public static partial class RequestCard
{
    public static string Summary(MentorRequest r) =>
        $"{r.Reference}: {r.Service} ({string.Join(", ", r.Skills)}) for {Mrkdwn.User(r.MenteeSlackId)}";

    /// <summary>The blocks describing who asked and for what; shared by the channel card and the DMs.</summary>
    public static IEnumerable<JsonObject> Describe(MentorRequest r)
    {
        yield return BlockKit.Fields(
            $"*Requested by*\n{Mrkdwn.User(r.MenteeSlackId)}",
            $"*Service*\n{Mrkdwn.EscapeAndTruncate(r.Service, 1900)}",
            $"*Skills*\n{Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 1900)}",
            $"*Affiliation*\n{Mrkdwn.EscapeAndTruncate(r.Affiliation, 1900)}");
        yield return BlockKit.Section(">>> " + Mrkdwn.EscapeAndTruncate(r.Details, BlockKit.MaxSectionText - 4));
    }

    /// <summary>The block ID that marks a request's card, so the card can be found in the channel's history.</summary>
    public static string Marker(MentorRequest r) => "request-" + r.Reference;

    /// <summary>A new or reopened request, with the mentions and the Claim button.</summary>
    public static (string Text, JsonArray Blocks) Open(MentorRequest r, string mentionLine, string? note = null)
    {
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($":wave: *New mentorship request {r.Reference}*\n{mentionLine}", Marker(r)),
        };
        blocks.AddRange(Describe(r));
        if (note is not null) blocks.Add(BlockKit.Context(note));
        blocks.Add(BlockKit.Actions("request_actions", RequestButtons.ClaimButton(r)));
        blocks.Add(BlockKit.Context($"{r.Reference} · Claim it if you can meet {Mrkdwn.User(r.MenteeSlackId)} for a 30-minute session. One click wins; you'll get their details by DM."));
        return ($"New mentorship request {Summary(r)}", BlockKit.Blocks(blocks));
    }

    /// <summary>A claimed request: who claimed it, the session time once the pair set one, a note (a hold) if any, and a Release button for them (or a coordinator).</summary>
    public static (string Text, JsonArray Blocks) Claimed(MentorRequest r, RequestSession? session = null, string? note = null)
    {
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($":white_check_mark: *{r.Reference} claimed by {Mrkdwn.User(r.ClaimedBy!)}*"),
        };
        if (session is not null && SessionTime.Line(session) is { } time) blocks.Add(BlockKit.Context(time));
        blocks.AddRange(Describe(r));
        if (note is not null) blocks.Add(BlockKit.Context(note));
        blocks.Add(BlockKit.Actions("request_actions", RequestButtons.ReleaseButton(r)));
        blocks.Add(BlockKit.Context($"{r.Reference} · Only the mentor who claimed it or a coordinator can release it."));
        return ($"{r.Reference} claimed by {Mrkdwn.User(r.ClaimedBy!)}", BlockKit.Blocks(blocks));
    }

    /// <summary>
    /// The card of an open or claimed request redrawn as it stands, with <paramref name="note"/> (a hold) or without it
    /// (the hold ended): an open card mentions again the mentors it mentioned when it was posted. Null once it has ended.
    /// </summary>
    public static (string Text, JsonArray Blocks)? Current(MentorRequest r, IReadOnlyList<string> coordinators, string? note, RequestSession? session = null) => r.Status switch
    {
        RequestStatus.Open => Open(r, MentionLine(r.MentionedMentors, coordinators), note),
        RequestStatus.Claimed when r.ClaimedBy is not null => Claimed(r, session, note),
        _ => null,
    };

    /// <summary>The card's note while a coordinator holds the request.</summary>
    public static string HoldNote(DateTimeOffset until, string? by, string? reason) =>
        $":double_vertical_bar: *On hold until {SlackDates.When(until)}*" + (by is null ? "" : $" (by {Mrkdwn.User(by)})") +
        ": no reminders until then." + (string.IsNullOrWhiteSpace(reason) ? "" : $" {Mrkdwn.EscapeAndTruncate(reason, 500)}");

    public static string MentionLine(IReadOnlyList<string> mentors, IReadOnlyList<string> coordinators) =>
        mentors.Count > 0
            ? $"Matching mentors: {Mrkdwn.Users(mentors)}"
            : coordinators.Count > 0
                ? $":warning: No available mentor lists these skills. Coordinators {Mrkdwn.Users(coordinators)}, please find someone for this request."
                : ":warning: No available mentor lists these skills, and no coordinators are configured (Mentorship:Coordinators).";
}
