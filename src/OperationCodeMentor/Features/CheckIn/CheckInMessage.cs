using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.CheckIn;

/// <summary>
/// The weekly check-in DM: each request the mentor holds with <b>On track</b>, <b>Need help</b> and <b>Done</b>. It is
/// drawn from the store, so a press redraws it with the answers given since it went out.
/// </summary>
public static class CheckInMessage
{
    public const string OnTrack = "checkin_on_track";
    public const string NeedHelp = "checkin_need_help";

    /// <summary>The most requests one check-in lists (a mentor takes at most ten at once).</summary>
    public const int MaxRequests = 20;

    /// <param name="requests">The requests to list: those the mentor holds, and those that ended since <paramref name="sentAt"/>.</param>
    /// <param name="sentAt">When this check-in went out: answers given since then are shown instead of the buttons.</param>
    public static (string Text, JsonArray Blocks) Build(IReadOnlyList<TrackedRequest> requests, DateTimeOffset? sentAt)
    {
        var blocks = new List<JsonObject>
        {
            BlockKit.Section(":wave: *Weekly check-in.* How are things going with your mentee" + (requests.Count == 1 ? "" : "s") + "? " +
                "One press each lets the coordinators know: *On track*, *Need help* (tell us what would help) or *Done* once the session has happened."),
        };
        foreach (var t in requests.Take(MaxRequests))
        {
            var r = t.Request;
            var line = $"*{r.Reference}* with {Mrkdwn.User(r.MenteeSlackId)} · {Mrkdwn.EscapeAndTruncate(r.Service, 150)}" +
                (r.ClaimedAt is { } claimed ? $" · claimed {SlackDates.When(claimed)}" : "");
            var answered = sentAt is { } since && t.Session.CheckedInAt is { } at && at >= since ? t.Session.CheckIn : null;
            switch (r.Status)
            {
                case RequestStatus.Claimed when answered is { } answer:
                    blocks.Add(BlockKit.Section(line + "\n" + Said(answer), Relabel(RequestButtons.SessionDoneButton(r))));
                    break;
                case RequestStatus.Claimed:
                    blocks.Add(BlockKit.Section(line));
                    blocks.Add(BlockKit.Actions("checkin:" + r.Reference,
                        BlockKit.Button("On track", OnTrack, r.Reference, "primary"),
                        BlockKit.Button("Need help", NeedHelp, r.Reference),
                        Relabel(RequestButtons.SessionDoneButton(r))));
                    break;
                case RequestStatus.Completed:
                    blocks.Add(BlockKit.Section(line + "\n:tada: Session done. Thank you!"));
                    break;
                default:
                    blocks.Add(BlockKit.Section(line + "\nNo longer with you."));
                    break;
            }
        }
        var text = $"Weekly check-in: {requests.Count} request{(requests.Count == 1 ? "" : "s")} with you. How are they going?";
        return (text, BlockKit.Blocks(blocks));
    }

    private static string Said(CheckInAnswer answer) => answer switch
    {
        CheckInAnswer.OnTrack => ":white_check_mark: *On track.* Thanks for letting us know.",
        _ => ":sos: *Need help.* The coordinators have your note and will be in touch.",
    };

    /// <summary>The Session done button (same action and value, so it does whatever Session done does), read as "Done" here.</summary>
    private static JsonObject Relabel(JsonObject sessionDone)
    {
        sessionDone["text"] = BlockKit.PlainText("Done");
        return sessionDone;
    }

    /// <summary>
    /// What a mentor's check-in lists: the requests they hold now, and those they held that were completed or closed since
    /// <paramref name="since"/> (so a redraw still shows them, ended).
    /// </summary>
    public static async Task<IReadOnlyList<TrackedRequest>> RequestsAsync(IMentorshipStore store, string mentor, DateTimeOffset? since, CancellationToken ct)
    {
        // Everything known of each request comes with the one read of the history, not a read per request.
        var history = await store.GetMentorHistoryTrackedAsync(mentor, MaxRequests, ct).ConfigureAwait(false);
        var list = new List<TrackedRequest>();
        foreach (var t in history)
        {
            if (t.Request.Status != RequestStatus.Claimed && since is null) continue;
            var ended = t.Outcome.CompletedAt ?? t.Outcome.ClosedAt;
            if (t.Request.Status == RequestStatus.Claimed ? t.Request.ClaimedBy == mentor : ended is { } e && since is { } s && e >= s)
                list.Add(t);
        }
        return list.OrderBy(t => t.Request.ClaimedAt ?? t.Request.CreatedAt).ToList();
    }
}
