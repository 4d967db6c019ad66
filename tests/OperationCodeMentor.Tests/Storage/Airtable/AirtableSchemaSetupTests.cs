using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

public sealed class AirtableSchemaSetupTests
{
    private static async Task<(FakeAirtableHarness H, AirtableSchemaSetup Setup)> StartAsync(AirtableStoreOptions? names = null)
    {
        var h = await FakeAirtableHarness.StartAsync(storeOptions: names, layOut: false);
        return (h, new AirtableSchemaSetup(h.Client, FakeAirtableHarness.Monitor(h.StoreOptions)));
    }

    [Fact]
    public async Task Check_OnAnEmptyBase_NamesEveryTable()
    {
        var (h, setup) = await StartAsync();
        await using var _ = h;

        var problems = (await setup.CheckAsync()).Problems;

        Assert.Equal(["Skillsets", "Services", "Affiliations", "Mentors", "Mentor Requests"],
            problems.Select(p => p.Message.Split('"')[1]));
        Assert.All(problems, p => Assert.True(p.Creatable));
    }

    [Fact]
    public async Task Check_OnPybotsBase_NamesExactlyTheFieldsTheBotAdds()
    {
        var (h, setup) = await StartAsync();
        await using var _ = h;
        h.Base.LayOutLikeOperationCode();

        var missing = (await setup.CheckAsync()).Problems.Select(p => p.Message).ToList();

        Assert.Equal(
        [
            "Table \"Mentors\" lacks field \"Slack User ID\" (single line text; Airtable:Fields:Mentors:SlackUserId).",
            "Table \"Mentors\" lacks field \"Paused\" (checkbox; Airtable:Fields:Mentors:Paused).",
            "Table \"Mentors\" lacks field \"Last Claimed At\" (date and time; Airtable:Fields:Mentors:LastClaimedAt).",
            "Table \"Mentors\" lacks field \"Check-in Sent At\" (date and time; Airtable:Fields:Mentors:CheckInSentAt).",
            "Table \"Mentors\" lacks field \"Check-in Answered At\" (date and time; Airtable:Fields:Mentors:CheckInAnsweredAt).",
            "Table \"Mentors\" lacks field \"Still Mentoring Asked At\" (date and time; Airtable:Fields:Mentors:QuietAskedAt).",
            "Table \"Mentors\" lacks field \"Still Mentoring Answered At\" (date and time; Airtable:Fields:Mentors:QuietAnsweredAt).",
            "Table \"Mentors\" lacks field \"Paused for Inactivity At\" (date and time; Airtable:Fields:Mentors:PausedForInactivityAt).",
            "Table \"Mentor Requests\" lacks field \"Reference\" (single line text; Airtable:Fields:Requests:Reference).",
            "Table \"Mentor Requests\" lacks field \"Mentee Slack ID\" (single line text; Airtable:Fields:Requests:MenteeSlackId).",
            "Table \"Mentor Requests\" lacks field \"Status\" (single select with options open, claimed, completed, cancelled; Airtable:Fields:Requests:Status).",
            "Table \"Mentor Requests\" lacks field \"Requested At\" (date and time; Airtable:Fields:Requests:RequestedAt).",
            "Table \"Mentor Requests\" lacks field \"Claimed By Slack ID\" (single line text; Airtable:Fields:Requests:ClaimedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Claimed At\" (date and time; Airtable:Fields:Requests:ClaimedAt).",
            "Table \"Mentor Requests\" lacks field \"Released By Slack ID\" (single line text; Airtable:Fields:Requests:ReleasedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Released At\" (date and time; Airtable:Fields:Requests:ReleasedAt).",
            "Table \"Mentor Requests\" lacks field \"Channel ID\" (single line text; Airtable:Fields:Requests:ChannelId).",
            "Table \"Mentor Requests\" lacks field \"Mentioned Mentors\" (long text; Airtable:Fields:Requests:MentionedMentors).",
            "Table \"Mentor Requests\" lacks field \"Submission Key\" (single line text; Airtable:Fields:Requests:SubmissionKey).",
            "Table \"Mentor Requests\" lacks field \"First Claimed At\" (date and time; Airtable:Fields:Requests:FirstClaimedAt).",
            "Table \"Mentor Requests\" lacks field \"Assigned By Slack ID\" (single line text; Airtable:Fields:Requests:AssignedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Closed By Slack ID\" (single line text; Airtable:Fields:Requests:ClosedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Closed At\" (date and time; Airtable:Fields:Requests:ClosedAt).",
            "Table \"Mentor Requests\" lacks field \"Close Reason\" (long text; Airtable:Fields:Requests:CloseReason).",
            "Table \"Mentor Requests\" lacks field \"Follow-up Version\" (number; Airtable:Fields:Requests:FollowUpVersion).",
            "Table \"Mentor Requests\" lacks field \"Bump Count\" (number; Airtable:Fields:Requests:BumpCount).",
            "Table \"Mentor Requests\" lacks field \"Last Bump At\" (date and time; Airtable:Fields:Requests:LastBumpAt).",
            "Table \"Mentor Requests\" lacks field \"Coordinators Notified At\" (date and time; Airtable:Fields:Requests:CoordinatorsNotifiedAt).",
            "Table \"Mentor Requests\" lacks field \"Escalated At\" (date and time; Airtable:Fields:Requests:EscalatedAt).",
            "Table \"Mentor Requests\" lacks field \"First Escalated At\" (date and time; Airtable:Fields:Requests:FirstEscalatedAt).",
            "Table \"Mentor Requests\" lacks field \"Mentor Nudged At\" (date and time; Airtable:Fields:Requests:MentorNudgedAt).",
            "Table \"Mentor Requests\" lacks field \"Stuck Reported At\" (date and time; Airtable:Fields:Requests:StuckReportedAt).",
            "Table \"Mentor Requests\" lacks field \"Next Action At\" (date and time; Airtable:Fields:Requests:NextActionAt).",
            "Table \"Mentor Requests\" lacks field \"Pending Step\" (single line text; Airtable:Fields:Requests:PendingStep).",
            "Table \"Mentor Requests\" lacks field \"Pending Token\" (single line text; Airtable:Fields:Requests:PendingToken).",
            "Table \"Mentor Requests\" lacks field \"Pending At\" (date and time; Airtable:Fields:Requests:PendingAt).",
            "Table \"Mentor Requests\" lacks field \"Completed At\" (date and time; Airtable:Fields:Requests:CompletedAt).",
            "Table \"Mentor Requests\" lacks field \"Completed By Slack ID\" (single line text; Airtable:Fields:Requests:CompletedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Follow-up Of\" (a link to records in \"Mentor Requests\"; Airtable:Fields:Requests:FollowUpOf).",
            "Table \"Mentor Requests\" lacks field \"Feedback\" (single line text; Airtable:Fields:Requests:Feedback).",
            "Table \"Mentor Requests\" lacks field \"Feedback By Slack ID\" (single line text; Airtable:Fields:Requests:FeedbackBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Feedback At\" (date and time; Airtable:Fields:Requests:FeedbackAt).",
            "Table \"Mentor Requests\" lacks field \"Last Change\" (single line text; Airtable:Fields:Requests:LastChange).",
            "Table \"Mentor Requests\" lacks field \"Conversation ID\" (single line text; Airtable:Fields:Requests:ConversationId).",
            "Table \"Mentor Requests\" lacks field \"Conversation Opened At\" (date and time; Airtable:Fields:Requests:ConversationOpenedAt).",
            "Table \"Mentor Requests\" lacks field \"Session At\" (date and time; Airtable:Fields:Requests:SessionAt).",
            "Table \"Mentor Requests\" lacks field \"Session Time First Set At\" (date and time; Airtable:Fields:Requests:TimeFirstSetAt).",
            "Table \"Mentor Requests\" lacks field \"Session Reminder Sent At\" (date and time; Airtable:Fields:Requests:ReminderSentAt).",
            "Table \"Mentor Requests\" lacks field \"Contact Attempts\" (number; Airtable:Fields:Requests:ContactAttempts).",
            "Table \"Mentor Requests\" lacks field \"First Contact Attempt At\" (date and time; Airtable:Fields:Requests:FirstContactAttemptAt).",
            "Table \"Mentor Requests\" lacks field \"Last Contact Attempt At\" (date and time; Airtable:Fields:Requests:LastContactAttemptAt).",
            "Table \"Mentor Requests\" lacks field \"Contact Lost At\" (date and time; Airtable:Fields:Requests:ContactLostAt).",
            "Table \"Mentor Requests\" lacks field \"On Hold Until\" (date and time; Airtable:Fields:Requests:OnHoldUntil).",
            "Table \"Mentor Requests\" lacks field \"On Hold By Slack ID\" (single line text; Airtable:Fields:Requests:OnHoldBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Resumed At\" (date and time; Airtable:Fields:Requests:ResumedAt).",
            "Table \"Mentor Requests\" lacks field \"Session Covered\" (long text; Airtable:Fields:Requests:SessionCovered).",
            "Table \"Mentor Requests\" lacks field \"Session Goals\" (long text; Airtable:Fields:Requests:SessionGoals).",
            "Table \"Mentor Requests\" lacks field \"Follow-up Wanted\" (single line text; Airtable:Fields:Requests:FollowUpWanted).",
            "Table \"Mentor Requests\" lacks field \"Notes for Coordinators\" (long text; Airtable:Fields:Requests:NotesForCoordinators).",
            "Table \"Mentor Requests\" lacks field \"Reported By Slack ID\" (single line text; Airtable:Fields:Requests:ReportedBySlackId).",
            "Table \"Mentor Requests\" lacks field \"Reported At\" (date and time; Airtable:Fields:Requests:ReportedAt).",
            "Table \"Mentor Requests\" lacks field \"Rating\" (number; Airtable:Fields:Requests:Rating).",
            "Table \"Mentor Requests\" lacks field \"Rating Comment\" (long text; Airtable:Fields:Requests:RatingComment).",
            "Table \"Mentor Requests\" lacks field \"Rated At\" (date and time; Airtable:Fields:Requests:RatedAt).",
            "Table \"Mentor Requests\" lacks field \"Preferred Mentor Slack ID\" (single line text; Airtable:Fields:Requests:PreferredMentorSlackId).",
            "Table \"Mentor Requests\" lacks field \"Offer Ended At\" (date and time; Airtable:Fields:Requests:OfferEndedAt).",
            "Table \"Mentor Requests\" lacks field \"Checked In At\" (date and time; Airtable:Fields:Requests:CheckedInAt).",
            "Table \"Mentor Requests\" lacks field \"Check-in Answer\" (single line text; Airtable:Fields:Requests:CheckInAnswer).",
        ], missing);
    }

    [Fact]
    public async Task Init_CreatesWhatIsMissing_AndOnlyThat_ThenCheckIsClean()
    {
        var (h, setup) = await StartAsync();
        await using var _ = h;
        h.Base.LayOutLikeOperationCode();
        var before = h.Base.Tables.Sum(t => t.Fields.Count);

        var created = await setup.InitAsync();

        Assert.Equal(68, created.Count);
        Assert.Equal(before + 68, h.Base.Tables.Sum(t => t.Fields.Count));
        Assert.Empty((await setup.CheckAsync()).Problems);
        Assert.Empty(await setup.InitAsync());
        Assert.Equal(["open", "claimed", "completed", "cancelled"], h.Requests.Field("Status")!.Choices);
    }

    [Fact]
    public async Task Init_OnAnEmptyBase_LaysOutEveryTable_LinkedTheWayTheBotWrites()
    {
        var (h, setup) = await StartAsync();
        await using var _ = h;

        await setup.InitAsync();

        Assert.Empty((await setup.CheckAsync()).Problems);
        Assert.Equal("Reference", h.Requests.Fields[0].Name);
        Assert.Equal(h.Table("Services").Id, h.Requests.Field("Service")!.Options!["linkedTableId"]!.GetValue<string>());
        // A follow-up request links to the one it follows, in the same table.
        Assert.Equal(h.Requests.Id, h.Requests.Field("Follow-up Of")!.Options!["linkedTableId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_AFieldOfTheWrongKind_IsNamedWithWhatTheBotNeeds()
    {
        var (h, setup) = await StartAsync();
        await using var _ = h;
        await setup.InitAsync();
        h.Requests.Fields.Remove(h.Requests.Field("Service")!);
        h.Requests.AddField("Service", "checkbox", null);
        var status = h.Requests.Field("Status")!;
        status.Options!["choices"]!.AsArray().RemoveAt(3);

        var problems = (await setup.CheckAsync()).Problems;

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains(
            "\"Service\": it is a checkbox field; the bot can use a link to \"Services\", a single select, a multiple select, or text", StringComparison.Ordinal) && !p.Creatable);
        Assert.Contains(problems, p => p.Message.Contains("lacking the option \"cancelled\"", StringComparison.Ordinal));
    }
}
