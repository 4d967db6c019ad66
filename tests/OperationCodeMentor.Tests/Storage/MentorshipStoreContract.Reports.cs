using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>
/// Finding session reports and ratings: the mentee's latest goals for their next mentor
/// (<see cref="OperationCodeMentor.Storage.IMentorshipStore.GetLatestReportedRequestAsync"/>) and the coordinators' list
/// (<see cref="OperationCodeMentor.Storage.IMentorshipStore.GetReportedSessionsAsync"/>).
/// </summary>
public abstract partial class MentorshipStoreContract
{
    private static SessionReport Report(string covered, params string[] goals) => new(covered, goals, FollowUpWish.None, "note for coordinators");

    private async Task<string> ReportedRequestAsync(string mentee, string mentor, string covered, DateTimeOffset at, params string[] goals)
    {
        var id = await ClaimedRequestAsync(mentee, mentor);
        Assert.True((await Store.ApplyAsync(id, new Actor(mentor), new RequestCommand.CompleteSession(Report(covered, goals)), at))!.Applied);
        return id;
    }

    [Fact]
    public async Task LatestReportedRequest_IsTheMenteesMostRecentlyReported_IgnoringUnreportedAndOtherMentees()
    {
        Assert.Null(await Store.GetLatestReportedRequestAsync("UMENTEE01"));
        var older = await ReportedRequestAsync("UMENTEE01", "UMENTOR01", "First session", T0.AddDays(2), "Goal A");
        var newer = await ReportedRequestAsync("UMENTEE01", "UMENTOR02", "Second session", T0.AddDays(5), "Goal B", "Goal C");
        await CompletedRequestAsync("UMENTEE01", "UMENTOR03");                         // done without a report
        await ReportedRequestAsync("UMENTEE02", "UMENTOR01", "Someone else", T0.AddDays(9), "Not theirs");
        await ClaimedRequestAsync("UMENTEE01", "UMENTOR04");                            // their next request, just claimed

        var latest = await Store.GetLatestReportedRequestAsync("UMENTEE01");

        Assert.Equal(newer, latest!.Reference);
        Assert.Equal(["Goal B", "Goal C"], latest.Session.Report!.Goals);
        Assert.Equal("UMENTOR02", latest.Session.ReportedBy);
        Assert.NotEqual(older, latest.Reference);
        Assert.Null(await Store.GetLatestReportedRequestAsync(FormulaInjection));
    }

    /// <summary>Whether this store reads the mentee's last reported session with a pairing's request (<see cref="OperationCodeMentor.Storage.PairingRead"/>).</summary>
    protected virtual bool ReadsLastReportWithPairing => false;

    [Fact]
    public async Task APairingsRead_HasTheMentorsLoad_AndTheMenteesLastReport_WhereTheStoreReadsItWithTheRequest()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR09", "Python"), T0);
        var earlier = await ReportedRequestAsync("UMENTEE01", "UMENTOR01", "First session", T0.AddDays(2), "Goal A");
        await ReportedRequestAsync("UMENTEE02", "UMENTOR01", "Someone else's", T0.AddDays(3), "Not theirs");
        var next = (await CreateAsync(NewRequest("UMENTEE01"))).Reference;
        var first = (await CreateAsync(NewRequest("UMENTEE03"))).Reference;

        OperationCodeMentor.Storage.PairingRead? seen = null, none = null;
        var claimed = await Store.ChangeRequestAsync(next, "UMENTOR09", (t, read) =>
        {
            seen = read;
            return RequestLifecycle.Decide(t, new Actor("UMENTOR09"), new RequestCommand.Claim(read.Load), T0.AddDays(4));
        });
        await Store.ChangeRequestAsync(first, "UMENTOR09", (t, read) =>
        {
            none = read;
            return RequestLifecycle.Decide(t, new Actor("UMENTOR09"), new RequestCommand.Claim(read.Load), T0.AddDays(4));
        });

        Assert.True(claimed!.Applied);
        Assert.Equal("UMENTOR09", seen!.Load!.Mentor.SlackUserId);
        Assert.Equal(ReadsLastReportWithPairing, seen.LastReportRead);
        Assert.Equal(ReadsLastReportWithPairing, none!.LastReportRead);
        if (!ReadsLastReportWithPairing) return;
        Assert.Equal(earlier, seen.LastReport!.Reference);
        Assert.Equal(["Goal A"], seen.LastReport.Session.Report!.Goals);
        Assert.Null(none.LastReport);
        // The load counts the claim just made.
        Assert.Equal(1, none.Load!.OpenClaims);
    }

    [Fact]
    public async Task ReportedSessions_HoldReportsAndRatings_ForOneMentorOrAll_LatestFirst_UpToTheLimit()
    {
        var reported = await ReportedRequestAsync("UMENTEE01", "UMENTOR01", "Résumé review", T0.AddDays(2));
        var ratedOnly = await CompletedRequestAsync("UMENTEE02", "UMENTOR01");
        Assert.True((await Store.ApplyAsync(ratedOnly, new Actor("UMENTEE02"), new RequestCommand.Rate(3, null), T0.AddDays(4)))!.Applied);
        var otherMentor = await ReportedRequestAsync("UMENTEE03", "UMENTOR02", "Mock interview", T0.AddDays(3));
        await CompletedRequestAsync("UMENTEE04", "UMENTOR01");                           // neither reported nor rated
        await ClaimedRequestAsync("UMENTEE05", "UMENTOR01");

        var mine = await Store.GetReportedSessionsAsync("UMENTOR01", 10);
        var all = await Store.GetReportedSessionsAsync(null, 10);
        var top = await Store.GetReportedSessionsAsync(null, 1);

        Assert.Equal([ratedOnly, reported], mine.Select(t => t.Reference));
        Assert.Equal(3, mine[0].Session.Rating);
        Assert.Equal("Résumé review", mine[1].Session.Report!.Covered);
        Assert.Equal([ratedOnly, otherMentor, reported], all.Select(t => t.Reference));
        Assert.Equal([ratedOnly], top.Select(t => t.Reference));
        Assert.Empty(await Store.GetReportedSessionsAsync(FormulaInjection, 10));
    }
}
