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
}
