using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Sessions;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Demo;

/// <summary>Who won the claim, and what the requests were called, for the closing line.</summary>
public sealed record StoryOutcome(string FirstReference, string SecondReference, Person Winner, Person RunnerUp);

/// <summary>
/// The mentorship process from volunteering to feedback, acted out by the <see cref="Cast"/> through
/// <see cref="PeopleInSlack"/>. Each act checks that the bot did what the story says, so the demo cannot
/// quietly show a story that did not happen.
/// </summary>
public sealed partial class DemoStory(
    SlackStandIn slack,
    PeopleInSlack people,
    StoryPrinter print,
    DemoClock clock,
    FollowUpSweeper sweeper,
    IMentorshipStore store,
    Func<Task> settle)
{
    public async Task<StoryOutcome> RunAsync(CancellationToken ct)
    {
        print.Act(1, "Two mentors volunteer");
        await VolunteerAsync(Cast.Maria, ["Python", "Career Advice"], "Backend developer and Army veteran; happy to talk careers.");
        await VolunteerAsync(Cast.Dev, ["Python", "JavaScript"], "Full-stack engineer who loves pairing.");

        print.Act(2, "A mentee asks; the matching mentors are mentioned");
        var first = await AskAsync(Cast.Sam, "Code Review", ["Python"], "Veteran",
            "I built a Flask app for my portfolio and would like a review before I start applying for jobs.");
        Expect(Mentions(first, Cast.Maria) && Mentions(first, Cast.Dev), "the request's post in #mentors-internal mentions Maria and Dev");

        print.Act(3, "Two mentors race to claim it");
        var (winner, runnerUp) = await RaceToClaimAsync(first);

        print.Act(4, "A second request nobody claims; the clock moves on");
        var second = await AskAsync(Cast.Alex, "Pair Programming", ["JavaScript"], "Military Spouse",
            "I'm stuck on async/await in a small Node.js project and would like to pair on it for half an hour.");
        print.Note("Nobody claims it.");
        var day1 = await LaterAsync(TimeSpan.FromDays(1), "1 day later", ct);
        Expect(day1.Any(c => c.Method == "chat.postMessage" && c["thread_ts"] == second.Ts && Text(c).Contains("still waiting for a mentor", StringComparison.Ordinal)),
            "the unclaimed request was bumped in its thread after a day");
        var day3 = await LaterAsync(TimeSpan.FromDays(2), "3 days after Alex asked", ct);
        Expect(day3.Any(c => IsDmTo(c, Cast.Jordan) && Text(c).Contains(Reference(second), StringComparison.Ordinal)),
            "the coordinator was told about the unclaimed request after 3 days");
        var day10 = await LaterAsync(TimeSpan.FromDays(7), "10 days after Alex asked", ct);
        Expect(day10.Any(c => IsDmTo(c, Cast.Casey) && Text(c).StartsWith("Escalation", StringComparison.Ordinal)),
            "the request was escalated after 10 days");

        print.Act(5, "The pair set a time and the session takes place");
        await SetTimeAsync(winner, ct);
        await SessionAsync(first, winner);

        return new StoryOutcome(Reference(first), Reference(second), winner, runnerUp);
    }

    private async Task VolunteerAsync(Person mentor, string[] skills, string bio)
    {
        var form = await OpenFormAsync(mentor, VolunteerCommand.Name);
        print.Does(mentor, $"picks {string.Join(" and ", skills)}, takes up to 2 mentees at once, writes a short bio, and presses {SubmitLabel(form)}");
        var calls = await ActAsync(mentor, () => people.SubmitAsync(mentor, form, new Dictionary<string, object>
        {
            [VolunteerModal.SkillsBlock] = skills,
            [VolunteerModal.MaxMenteesBlock] = 2,
            [VolunteerModal.BioBlock] = bio,
        }));
        Expect(calls.Any(c => IsDmTo(c, mentor)), $"{mentor.Name} got a DM confirming what was saved");
    }

    /// <summary>The mentee's request, from the slash command to its post in the mentors channel.</summary>
    private async Task<SlackMessage> AskAsync(Person mentee, string service, string[] skills, string affiliation, string details)
    {
        var form = await OpenFormAsync(mentee, MentorCommand.Name);
        print.Does(mentee, $"asks for {service} with {string.Join(", ", skills)}: \"{details}\" and presses {SubmitLabel(form)}");
        var calls = await ActAsync(mentee, () => people.SubmitAsync(mentee, form, new Dictionary<string, object>
        {
            [RequestModal.ServiceBlock] = service,
            [RequestModal.SkillsBlock] = skills,
            [RequestModal.DetailsBlock] = details,
            [RequestModal.AffiliationBlock] = affiliation,
        }));
        var post = calls.LastOrDefault(c => c.Ok && c.Method == "chat.postMessage" && c["channel"] == Cast.MentorsChannelId && c["thread_ts"] is null)
            ?? throw new DemoFailure($"{mentee.Name}'s request never reached #{Cast.MentorsChannelName}.");
        Expect(calls.Any(c => IsDmTo(c, mentee)), $"{mentee.Name} was told by DM what happens next");
        return Current(post.Answer["channel"]!.ToString(), post.Answer["ts"]!.ToString());
    }

    private async Task<(Person Winner, Person RunnerUp)> RaceToClaimAsync(SlackMessage request)
    {
        print.Does($"{Cast.Maria.Label} and {Cast.Dev.Label}", $"both press Claim on {Reference(request)} at the same moment");
        var mark = slack.Mark;
        await Task.WhenAll(
            people.ClickAsync(Cast.Maria, request, ClaimAction.Id),
            people.ClickAsync(Cast.Dev, request, ClaimAction.Id));
        var calls = slack.CallsSince(mark);
        print.Show(calls);

        var won = calls.Where(c => c.Ok && c.Method == "chat.postMessage" && Text(c).StartsWith("You claimed", StringComparison.Ordinal)).ToList();
        var lost = calls.Where(c => c.Ok && c.Method == "chat.postEphemeral" && Text(c).Contains("already claimed by", StringComparison.Ordinal)).ToList();
        Expect(won.Count == 1 && lost.Count == 1, "exactly one mentor won the claim and the other was told it was already claimed");
        var winner = Cast.ById(slack.DmWith(won[0]["channel"]!) ?? "") ?? throw new DemoFailure("The claim went to someone outside the story.");
        var runnerUp = Cast.ById(lost[0]["user"] ?? "") ?? throw new DemoFailure("Someone outside the story was told the request was taken.");
        Expect(winner != runnerUp, "the winner and the one told it was taken are different mentors");
        print.Note($"{winner.Name}'s click got there first: the database lets exactly one claim through, however many arrive.");
        return (winner, runnerUp);
    }

    /// <summary>Sam and the mentor agree a time in their group DM: Sam records it, and both are reminded an hour before.</summary>
    private async Task SetTimeAsync(Person mentor, CancellationToken ct)
    {
        var intro = slack.Messages.LastOrDefault(m => slack.GroupWith(m.Channel) is { } group && group.Contains(mentor.Id) && group.Contains(Cast.Sam.Id)
            && PeopleInSlack.FindButton(m, SetTimeAction.Id) is not null)
            ?? throw new DemoFailure($"{mentor.Name} and {Cast.Sam.Name} were not introduced in a group DM.");
        print.Does(Cast.Sam, $"agrees with {mentor.Name} on a time in their group DM, then presses We've set a time");
        var calls = await ActAsync(Cast.Sam, () => people.ClickAsync(Cast.Sam, intro, SetTimeAction.Id));
        var form = calls.LastOrDefault(c => c.Ok && c.Method == "views.open")?.Answer["view"] as JsonObject
            ?? throw new DemoFailure($"No form opened for {Cast.Sam.Name} to set the time.");

        // Tomorrow at 18:00 in the zone the form is in (the program's, UTC, since Sam's Slack profile gives none).
        var zone = TimeZoneInfo.Utc;
        var day = TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).Date.AddDays(1);
        var at = new DateTimeOffset(day.AddHours(18), TimeSpan.Zero);
        var date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        print.Does(Cast.Sam, $"picks {date} at 18:00 and presses {SubmitLabel(form)}");
        calls = await ActAsync(Cast.Sam, () => people.SubmitAsync(Cast.Sam, form, new Dictionary<string, object>
        {
            [SetTimeModal.DateBlock] = date,
            [SetTimeModal.TimeBlock] = "18:00",
        }));
        Expect(calls.Any(c => c.Ok && c.Method == "chat.postMessage" && c["channel"] == intro.Channel && Text(c).StartsWith("Session for", StringComparison.Ordinal)),
            "both were told the time in their group DM");

        var reminded = await LaterAsync(at - TimeSpan.FromHours(1) - clock.GetUtcNow(), "An hour before the session", ct);
        Expect(reminded.Count(c => c.Ok && c.Method == "chat.postMessage" && c["channel"] == intro.Channel && Text(c).StartsWith("Reminder:", StringComparison.Ordinal)) == 1,
            "both were reminded once in their group DM, an hour before");
    }

    private async Task SessionAsync(SlackMessage request, Person mentor)
    {
        var dm = LatestWithButton(mentor, SessionDoneAction.Id)
            ?? throw new DemoFailure($"{mentor.Name} has no DM with a Session done button.");
        print.Does(mentor, $"meets {Cast.Sam.Name} for 30 minutes, then presses Session done in their DM with the bot");
        var report = await OpenedFormAsync(mentor, () => people.ClickAsync(mentor, dm, SessionDoneAction.Id), "Session done");
        print.Does(mentor, $"writes a short private report with two goals they agreed on, and presses {SubmitLabel(report)}");
        var filed = await ActAsync(mentor, () => people.SubmitAsync(mentor, report, new Dictionary<string, object>
        {
            [SessionReportModal.CoveredBlock] = "Reviewed the Flask app's structure and tests; talked about presenting it in interviews.",
            [SessionReportModal.GoalsBlock] = "Add tests for the login flow\nDeploy it and link it from the résumé",
            [SessionReportModal.FollowUpBlock] = SessionReportModal.Wish(FollowUpWish.None),
            [SessionReportModal.ForCoordinatorsBlock] = "Sam is job hunting; a career-advice mentor could help next.",
        }));
        Expect(filed.Any(c => IsDmTo(c, Cast.Sam) && Text(c).StartsWith("Your goals from today's session", StringComparison.Ordinal)),
            $"{Cast.Sam.Name} got the goals by DM, and only the goals");
        Expect(!filed.Any(c => IsDmTo(c, Cast.Sam) && (c.Body.ToJsonString(Unescaped).Contains("Flask app's structure", StringComparison.Ordinal)
            || c.Body.ToJsonString(Unescaped).Contains("job hunting", StringComparison.Ordinal))), $"{Cast.Sam.Name} never sees the private part of the report");

        var question = LatestWithButton(Cast.Sam, HelpedAction.Id)
            ?? throw new DemoFailure($"{Cast.Sam.Name} was not asked how the session went.");
        print.Does(Cast.Sam, "answers: It helped");
        var calls = await ActAsync(Cast.Sam, () => people.ClickAsync(Cast.Sam, question, HelpedAction.Id));
        Expect(calls.Any(c => c.Ok && c.Method == "chat.postEphemeral" && c["user"] == Cast.Sam.Id), $"{Cast.Sam.Name} was thanked for the answer");

        print.Does(Cast.Sam, "presses Rate this session");
        var rating = await OpenedFormAsync(Cast.Sam, () => people.ClickAsync(Cast.Sam, question, RateAction.Id), "Rate this session");
        print.Does(Cast.Sam, $"gives it 5 and presses {SubmitLabel(rating)}");
        await ActAsync(Cast.Sam, () => people.SubmitAsync(Cast.Sam, rating, new Dictionary<string, object>
        {
            [RateAction.StarsBlock] = "5",
            [RateAction.CommentBlock] = "Clear, kind and practical.",
        }));

        // Every button names its request by reference, the request's one key.
        var reference = PeopleInSlack.FindButton(request, ClaimAction.Id)?.Button["value"]?.ToString();
        var stored = reference is null ? null : await store.GetRequestAsync(reference).ConfigureAwait(false);
        Expect(stored is { Request.Status: RequestStatus.Completed, Outcome.Feedback: SessionFeedback.Helped, Session.Rating: 5, Session.Report.Goals.Count: 2 },
            $"{Reference(request)} is stored as completed, with {mentor.Name}'s report, Sam's answer and Sam's rating");
    }

    /// <summary>The form the bot opened for <paramref name="who"/> after they pressed a button.</summary>
    private async Task<JsonObject> OpenedFormAsync(Person who, Func<Task<JsonObject?>> press, string button)
    {
        var calls = await ActAsync(who, press);
        var opened = calls.LastOrDefault(c => c.Ok && c.Method == "views.open" && slack.TriggerOwner(c["trigger_id"] ?? "") == who.Id);
        return opened?.Answer["view"] as JsonObject ?? throw new DemoFailure($"The bot did not open a form for {who.Name} after {button}.");
    }

    private async Task<JsonObject> OpenFormAsync(Person who, string command)
    {
        print.Does(who, $"types {command}");
        var calls = await ActAsync(who, () => people.CommandAsync(who, command));
        var opened = calls.LastOrDefault(c => c.Ok && c.Method == "views.open" && slack.TriggerOwner(c["trigger_id"] ?? "") == who.Id);
        return opened?.Answer["view"] as JsonObject ?? throw new DemoFailure($"The bot did not open a form for {who.Name} after {command}.");
    }

    /// <summary>Does something in Slack, then shows the bot's answer and everything it sent as a result.</summary>
    private async Task<IReadOnlyList<SlackCall>> ActAsync(Person who, Func<Task<JsonObject?>> act)
    {
        var mark = slack.Mark;
        var ack = await act().ConfigureAwait(false);
        if (ack?["response_action"]?.ToString() == "errors")
            throw new DemoFailure($"The bot refused {who.Name}'s form: {ack["errors"]?.ToJsonString()}");
        print.Answer(who, ack);
        var calls = slack.CallsSince(mark);
        print.Show(calls);
        return calls;
    }

    /// <summary>Moves the clock and runs the follow-up sweep until it has nothing more to do, as its timer would.</summary>
    private async Task<IReadOnlyList<SlackCall>> LaterAsync(TimeSpan by, string when, CancellationToken ct)
    {
        clock.Advance(by);
        print.Time($"{when}: the follow-up sweep runs");
        var mark = slack.Mark;
        for (var sweeps = 0; sweeps < 5; sweeps++)
        {
            var report = await sweeper.RunOnceAsync(ct).ConfigureAwait(false);
            await sweeper.WhenIdleAsync(ct).ConfigureAwait(false);
            await settle().ConfigureAwait(false);
            if (report.StepsTaken == 0) break;
        }
        var calls = slack.CallsSince(mark);
        print.Show(calls);
        return calls;
    }

    private SlackMessage Current(string channel, string ts) =>
        slack.Messages.Single(m => m.Channel == channel && m.Ts == ts);

    private SlackMessage? LatestWithButton(Person who, string actionId) =>
        slack.Messages.LastOrDefault(m => m.Channel == slack.DmChannelOf(who.Id) && PeopleInSlack.FindButton(m, actionId) is not null);

    private bool IsDmTo(SlackCall c, Person who) =>
        c.Ok && c.Method == "chat.postMessage" && c["channel"] is { } channel && slack.DmWith(channel) == who.Id;

    private static bool Mentions(SlackMessage m, Person who) =>
        (m.Body["blocks"]?.ToJsonString(Unescaped) ?? "").Contains($"<@{who.Id}>", StringComparison.Ordinal);

    private static readonly System.Text.Json.JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Text(SlackCall c) => c["text"] ?? "";

    private static string Reference(SlackMessage m) => ReferencePattern().Match(m.Body["text"]?.ToString() ?? "").Value;

    private static string SubmitLabel(JsonObject view) => view["submit"]?["text"]?.ToString() ?? "submit";

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new DemoFailure($"Expected that {what}, but it did not happen.");
    }

    [GeneratedRegex(@"R-\d+")]
    private static partial Regex ReferencePattern();
}
