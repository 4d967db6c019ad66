using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>The weekly check-in: each pairing's last answer, and what is noted on the mentor, kept by every store.</summary>
public abstract partial class MentorshipStoreContract
{
    [Fact]
    public async Task ACheckInAnswer_IsKeptOnTheRequest_PutsBackTheStuckReport_AndANewPairingStartsWithoutIt()
    {
        var id = await ClaimedRequestAsync();
        Assert.Equal(Refusal.NotAllowed, (await Store.ApplyAsync(id, new Actor("UMENTOR02"), new RequestCommand.CheckIn(CheckInAnswer.OnTrack), T0.AddDays(1)))!.Refused);
        Assert.Equal(Refusal.NotAllowed, (await Store.ApplyAsync(id, StoreChanges.Coordinator("UCOORD01"), new RequestCommand.CheckIn(CheckInAnswer.OnTrack), T0.AddDays(1)))!.Refused);

        Assert.True((await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.CheckIn(CheckInAnswer.NeedHelp), T0.AddDays(4)))!.Applied);

        var t = await TrackedAsync(id);
        Assert.Equal((T0.AddDays(4), CheckInAnswer.NeedHelp), (t.Session.CheckedInAt, (CheckInAnswer?)t.Session.CheckIn));
        // Back to the sweep, which plans the stuck report from the answer.
        Assert.Equal(DateTimeOffset.UnixEpoch, t.FollowUp.NextActionAt);
        var o = new ScheduleOptions { NudgeMentorAfter = TimeSpan.FromDays(30), StuckClaimAfter = TimeSpan.FromDays(30) };
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.ReportStuck, T0.AddDays(34)), FollowUpLadder.Next(t.Request, t.FollowUp with { MentorNudgedAt = T0.AddDays(2) }, o, t.Session));

        Assert.True((await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0.AddDays(5)))!.Applied);
        var released = await TrackedAsync(id);
        Assert.Equal((null, null), (released.Session.CheckedInAt, released.Session.CheckIn));
        Assert.Equal(Refusal.NotClaimed, (await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.CheckIn(CheckInAnswer.OnTrack), T0.AddDays(6)))!.Refused);
    }

    [Fact]
    public async Task MarksOnAMentor_AreKept_AndOnlyMoveForward()
    {
        Assert.Null(await Store.MarkMentorAsync("UNOBODY01", MentorMark.CheckInSent, T0));
        await Store.SaveMentorAsync(Profile("UMENTOR01", "Python"), T0);
        await Store.SaveMentorAsync(Profile("UMENTOR02", "Python"), T0);

        var marked = await Store.MarkMentorAsync("UMENTOR01", MentorMark.CheckInSent, T0.AddDays(4));
        Assert.Equal(T0.AddDays(4), marked!.Standing.CheckInSentAt);
        await Store.MarkMentorAsync("UMENTOR01", MentorMark.CheckInAnswered, T0.AddDays(5));
        // An earlier time never steps a mentor back.
        await Store.MarkMentorAsync("UMENTOR01", MentorMark.CheckInSent, T0.AddDays(1));

        var read = (await Store.GetMentorAsync("UMENTOR01"))!.Standing;
        Assert.Equal((T0.AddDays(4), T0.AddDays(5)), (read.CheckInSentAt, read.CheckInAnsweredAt));
        var loads = await Store.GetMentorLoadsAsync();
        Assert.Equal(read, loads.Single(l => l.Mentor.SlackUserId == "UMENTOR01").Mentor.Standing);
        Assert.Equal(MentorStanding.None, loads.Single(l => l.Mentor.SlackUserId == "UMENTOR02").Mentor.Standing);
        // A profile saved again keeps them.
        await Store.SaveMentorAsync(Profile("UMENTOR01", "Go"), T0.AddDays(6));
        Assert.Equal(read, (await Store.GetMentorAsync("UMENTOR01"))!.Standing);
    }

    [Fact]
    public async Task TheQuietMentorQuestion_ItsAnswer_AndAPauseForNoAnswer_AreKept_AndThePauseIsAPause()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01", "Python"), T0);
        await Store.MarkMentorAsync("UMENTOR01", MentorMark.QuietAsked, T0.AddDays(1));
        await Store.MarkMentorAsync("UMENTOR01", MentorMark.QuietAnswered, T0.AddDays(2));
        Assert.False((await Store.GetMentorAsync("UMENTOR01"))!.Paused);

        var paused = await Store.MarkMentorAsync("UMENTOR01", MentorMark.PausedForInactivity, T0.AddDays(9));

        Assert.True(paused!.Paused);
        var read = (await Store.GetMentorAsync("UMENTOR01"))!;
        Assert.True(read.Paused);
        Assert.Equal((T0.AddDays(1), T0.AddDays(2), T0.AddDays(9)), (read.Standing.QuietAskedAt, read.Standing.QuietAnsweredAt, read.Standing.PausedForInactivityAt));
        // Resuming is the ordinary resume; when they were paused for inactivity stays on record.
        Assert.False((await Store.SetMentorPausedAsync("UMENTOR01", false))!.Paused);
        Assert.Equal(T0.AddDays(9), (await Store.GetMentorAsync("UMENTOR01"))!.Standing.PausedForInactivityAt);
    }

    [Fact]
    public async Task TheCodeOfConductAndTheGuidebook_AreKeptAsTheFormRecorded_AndAFormThatDidNotAskKeepsThem()
    {
        var fresh = await Store.SaveMentorAsync(Profile("UMENTOR01", "Python"), T0);
        Assert.Equal((false, false), (fresh.Standing.CodeOfConductAccepted, fresh.Standing.GuidebookRead));

        await Store.SaveMentorAsync(Profile("UMENTOR01", "Python") with { AcceptedCodeOfConduct = true, ReadGuidebook = true }, T0.AddDays(1));
        var agreed = (await Store.GetMentorAsync("UMENTOR01"))!.Standing;
        Assert.Equal((true, true), (agreed.CodeOfConductAccepted, agreed.GuidebookRead));

        await Store.SaveMentorAsync(Profile("UMENTOR01", "Go"), T0.AddDays(2));
        var kept = (await Store.GetMentorAsync("UMENTOR01"))!.Standing;
        Assert.Equal((true, true), (kept.CodeOfConductAccepted, kept.GuidebookRead));

        var second = await Store.SaveMentorAsync(Profile("UMENTOR02", "Go") with { AcceptedCodeOfConduct = true, ReadGuidebook = false }, T0);
        Assert.Equal((true, false), (second.Standing.CodeOfConductAccepted, second.Standing.GuidebookRead));
    }
}
