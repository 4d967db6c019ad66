using Microsoft.Extensions.Logging.Abstractions;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>
/// What every <see cref="IMentorshipStore"/> must do, run against each store by a subclass: the bot's features
/// are written against this behaviour, so a store that passes is a drop-in for any other.
/// </summary>
public abstract partial class MentorshipStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A value built to widen a formula it is pasted into unescaped.</summary>
    protected const string FormulaInjection = "x') , TRUE(), ('";

    protected IMentorshipStore Store { get; private set; } = null!;

    protected abstract Task<IMentorshipStore> CreateStoreAsync();

    protected abstract Task DisposeStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    /// <summary>A request to store; its number is reserved when it is created, unless the test gives one.</summary>
    protected static NewMentorRequest NewRequest(string mentee = "UMENTEE01", string details = "I'd like help with my résumé and a mock interview.", params string[] skills) =>
        new(0, mentee, "Mentee " + mentee, "Resume Review", skills.Length == 0 ? ["Python", "Career Advice"] : skills, details, "Veteran", T0);

    /// <summary>Stores a request the way the intake does: a number reserved first, then the request written under it.</summary>
    protected async Task<MentorRequest> CreateAsync(NewMentorRequest request)
    {
        if (request.Number == 0) request = request with { Number = await Store.ReserveRequestNumberAsync() };
        return (await Store.CreateRequestAsync(request)).Request;
    }

    /// <summary>The request as the store has it now.</summary>
    protected async Task<MentorRequest?> ReadAsync(string reference) => (await Store.GetRequestAsync(reference))?.Request;

    protected static MentorProfile Profile(string slackId, params string[] skills) =>
        new(slackId, "Mentor " + slackId, skills.Length == 0 ? ["Python"] : skills, "Bio of " + slackId, 2, "America/Chicago");

    private async Task<string> OpenRequestAsync(string mentee = "UMENTEE01") => (await CreateAsync(NewRequest(mentee))).Reference;

    /// <summary>
    /// A change carried out as the bot carries out a press (<see cref="RequestChanges"/>): the store writes what the
    /// lifecycle decides, then, for a claim or an assignment, notes on the mentor when they last took a request.
    /// </summary>
    protected Task<Decision?> ChangeAsTheBotDoesAsync(string reference, Actor actor, RequestCommand command, DateTimeOffset at) =>
        new RequestChanges(Store, new ManualTimeProvider(at)).ApplyAsync(reference, actor, command, null, CancellationToken.None);

    [Fact]
    public async Task GetOptionLists_OnANewStore_OffersTheDefaultLists()
    {
        var lists = await Store.GetOptionListsAsync();

        Assert.Equal(DefaultOptionLists.Services, lists.Services);
        Assert.Equal(DefaultOptionLists.Skillsets, lists.Skillsets);
        Assert.Equal(DefaultOptionLists.Affiliations, lists.Affiliations);
    }

    [Fact]
    public async Task GetMentor_WhenNotEnrolled_ReturnsNull() => Assert.Null(await Store.GetMentorAsync("UNOBODY01"));

    [Fact]
    public async Task SaveMentor_WhenNew_EnrolsAnActiveMentorWithTheProfile()
    {
        var saved = await Store.SaveMentorAsync(Profile("UMENTOR01", "Python", "C#"), T0);
        var read = await Store.GetMentorAsync("UMENTOR01");

        foreach (var m in new[] { saved, read! })
        {
            Assert.Equal("UMENTOR01", m.SlackUserId);
            Assert.Equal("Mentor UMENTOR01", m.Name);
            Assert.Equal(["Python", "C#"], m.Skills);
            Assert.Equal("Bio of UMENTOR01", m.Bio);
            Assert.Equal(2, m.MaxMentees);
            Assert.Equal("America/Chicago", m.TimeZone);
            Assert.True(m.Active);
            Assert.False(m.Paused);
            Assert.Null(m.LastClaimedAt);
        }
        Assert.Equal(saved.Id, read!.Id);
    }

    [Fact]
    public async Task SaveMentor_WhenEnrolled_UpdatesInPlaceAndKeepsTheNameWhenNoneIsGiven()
    {
        var first = await Store.SaveMentorAsync(Profile("UMENTOR01", "Python"), T0);
        var second = await Store.SaveMentorAsync(new MentorProfile("UMENTOR01", null, ["Go", "SQL"], null, 4, null), T0.AddDays(1));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("Mentor UMENTOR01", second.Name);
        Assert.Equal(["Go", "SQL"], second.Skills);
        Assert.Null(second.Bio);
        Assert.Null(second.TimeZone);
        Assert.Equal(4, second.MaxMentees);
        Assert.Single(await Store.GetMentorLoadsAsync());
    }

    [Fact]
    public async Task SetMentorPaused_PausesAndResumesAnEnrolledMentor()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);

        Assert.True((await Store.SetMentorPausedAsync("UMENTOR01", true))!.Paused);
        Assert.True((await Store.GetMentorAsync("UMENTOR01"))!.Paused);
        Assert.False((await Store.SetMentorPausedAsync("UMENTOR01", false))!.Paused);
        Assert.False((await Store.GetMentorAsync("UMENTOR01"))!.Paused);
    }

    [Fact]
    public async Task SetMentorPaused_WhenNotEnrolled_ReturnsNull() => Assert.Null(await Store.SetMentorPausedAsync("UNOBODY01", true));

    [Fact]
    public async Task MentorLookups_WithAnIdBuiltToWidenAQuery_MatchNobodyElse()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        await Store.SaveMentorAsync(Profile("UMENTOR02"), T0);

        Assert.Null(await Store.GetMentorAsync(FormulaInjection));
        Assert.Null(await Store.SetMentorPausedAsync(FormulaInjection, true));
        Assert.Null(await Store.SetMentorPausedAsync("x', TRUE(), '", true));
        Assert.All(await Store.GetMentorLoadsAsync(), l => Assert.False(l.Mentor.Paused));
    }

    [Fact]
    public async Task CreateRequest_StoresAnOpenRequestWithTheNextReference()
    {
        var first = await CreateAsync(NewRequest("UMENTEE01"));
        var second = await CreateAsync(NewRequest("UMENTEE02"));

        Assert.Equal("R-1001", first.Reference);
        Assert.Equal("R-1002", second.Reference);
        Assert.NotEqual(first.Reference, second.Reference);
        Assert.Equal(RequestStatus.Open, first.Status);
        Assert.Equal("UMENTEE01", first.MenteeSlackId);
        Assert.Equal("Mentee UMENTEE01", first.MenteeName);
        Assert.Equal("Resume Review", first.Service);
        Assert.Equal(["Python", "Career Advice"], first.Skills);
        Assert.Equal("Veteran", first.Affiliation);
        Assert.Equal(T0, first.CreatedAt);
        Assert.Null(first.ClaimedBy);
        Assert.Equal(0, first.ResetCount);
        Assert.Empty(first.MentionedMentors);
    }

    [Fact]
    public async Task GetRequest_ReturnsWhatWasStored_EvenWithQuotesAndBackslashes()
    {
        const string details = "It's \"broken\": C:\\temp\\x') , TRUE(), (' and {Status}='open'\nsecond line";
        var created = await CreateAsync(NewRequest(details: details));

        var read = await ReadAsync(created.Reference);

        Assert.NotNull(read);
        Assert.Equal(created.Reference, read.Reference);
        Assert.Equal(details, read.Details);
        Assert.Equal(created.Skills, read.Skills);
        Assert.Equal(created.Service, read.Service);
        Assert.Equal(created.Affiliation, read.Affiliation);
        Assert.Equal(created.CreatedAt, read.CreatedAt);
    }

    [Theory]
    [InlineData("R-999999")]
    [InlineData("recAAAAAAAAAAAAAA")]
    [InlineData("../Mentors")]
    [InlineData("x') , TRUE(), ('")]
    public async Task GetRequest_WhenUnknown_ReturnsNull(string reference) => Assert.Null(await Store.GetRequestAsync(reference));

    [Fact]
    public async Task SetRequestPost_RemembersWhereItWasPostedAndWhomItMentioned()
    {
        var id = await OpenRequestAsync();

        await Store.ApplyAsync(id, Actor.Bot, new RequestCommand.RecordPost(new RequestPost("G0MENTORS", "1712345678.000100", ["UMENTOR01", "UMENTOR02"])), T0);
        var read = (await ReadAsync(id))!;

        Assert.Equal("G0MENTORS", read.ChannelId);
        Assert.Equal("1712345678.000100", read.MessageTs);
        Assert.Equal(["UMENTOR01", "UMENTOR02"], read.MentionedMentors);
    }

    [Fact]
    public async Task TryClaim_WhenOpen_ClaimsItForTheMentorAndNotesWhen()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var id = await OpenRequestAsync();

        var outcome = await ChangeAsTheBotDoesAsync(id, new Actor("UMENTOR01"), new RequestCommand.Claim(await Store.GetMentorLoadAsync("UMENTOR01")), T0.AddHours(1));

        Assert.True(outcome!.Applied);
        var read = (await ReadAsync(id))!;
        Assert.Equal(RequestStatus.Claimed, read.Status);
        Assert.Equal("UMENTOR01", read.ClaimedBy);
        Assert.Equal(T0.AddHours(1), read.ClaimedAt);
        Assert.Equal(T0.AddHours(1), (await Store.GetMentorAsync("UMENTOR01"))!.LastClaimedAt);
    }

    [Fact]
    public async Task AChangeDecidedOnAMentorsLoad_SeesTheLoadAsStored_AndOnlyAStoredClaimIsNotedOnTheMentor()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var first = await OpenRequestAsync("UMENTEE01");
        var second = await OpenRequestAsync("UMENTEE02");
        var third = await OpenRequestAsync("UMENTEE03");
        Task<Decision?> ClaimAsync(string reference, string mentor, DateTimeOffset at) =>
            new RequestChanges(Store, new ManualTimeProvider(at)).ApplyAsync(reference, new Actor(mentor), mentor,
                read => new RequestCommand.Claim(read.Load), null, CancellationToken.None);

        Assert.True((await ClaimAsync(first, "UMENTOR01", T0.AddHours(1)))!.Applied);
        Assert.True((await ClaimAsync(second, "UMENTOR01", T0.AddHours(2)))!.Applied);
        // Two held, their limit: the load read with the third request says so.
        Assert.Equal(Refusal.AtCapacity, (await ClaimAsync(third, "UMENTOR01", T0.AddHours(3)))!.Refused);
        Assert.Equal(Refusal.NotEnrolled, (await ClaimAsync(third, "UNOBODY01", T0.AddHours(3)))!.Refused);
        await Store.SaveMentorAsync(Profile("UMENTOR02"), T0);
        Assert.Equal(Refusal.AlreadyClaimed, (await ClaimAsync(first, "UMENTOR02", T0.AddHours(4)))!.Refused);

        Assert.Equal(T0.AddHours(2), (await Store.GetMentorAsync("UMENTOR01"))!.LastClaimedAt);
        Assert.Null((await Store.GetMentorAsync("UMENTOR02"))!.LastClaimedAt);
        Assert.Equal(RequestStatus.Open, (await ReadAsync(third))!.Status);
    }

    [Fact]
    public async Task TryClaim_WhenAlreadyClaimed_TellsTheLateClickerWhoWon()
    {
        var id = await OpenRequestAsync();
        await Store.TryClaimAsync(id, "UMENTOR01", T0);

        var late = await Store.TryClaimAsync(id, "UMENTOR02", T0.AddMinutes(1));

        Assert.Equal(Refusal.AlreadyClaimed, late!.Refused);
        Assert.Equal("UMENTOR01", late!.Result.Request.ClaimedBy);
        Assert.Equal("UMENTOR01", (await ReadAsync(id))!.ClaimedBy);
    }

    [Fact]
    public async Task TryClaim_WhenUnknown_ReturnsNotFound()
    {
        Assert.Null((await Store.TryClaimAsync("R-999999", "UMENTOR01", T0)));
        Assert.Null((await Store.TryClaimAsync("R-999999", "UMENTOR01", T0)));
    }

    [Fact]
    public async Task TryClaim_TwentyMentorsAtOnce_ExactlyOneWins()
    {
        var id = await OpenRequestAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            Task.Run(() => Store.TryClaimAsync(id, $"UMENTOR{i:D2}", T0))));

        var winners = outcomes.Where(o => o!.Applied).ToList();
        var winner = Assert.Single(winners)!.Result.Request.ClaimedBy;
        Assert.All(outcomes.Where(o => !o!.Applied), o =>
        {
            Assert.Equal(Refusal.AlreadyClaimed, o!.Refused);
            Assert.Equal(winner, o!.Result.Request.ClaimedBy);
        });
        Assert.Equal(winner, (await ReadAsync(id))!.ClaimedBy);
    }

    [Fact]
    public async Task GetMentorLoads_CountsTheRequestsEachMentorHolds()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        await Store.SaveMentorAsync(Profile("UMENTOR02"), T0);
        await Store.TryClaimAsync(await OpenRequestAsync("UMENTEE01"), "UMENTOR01", T0);
        await Store.TryClaimAsync(await OpenRequestAsync("UMENTEE02"), "UMENTOR01", T0);
        var released = await OpenRequestAsync("UMENTEE03");
        await Store.TryClaimAsync(released, "UMENTOR02", T0);
        await Store.TryReleaseAsync(released, "UMENTOR02", "UMENTOR02", T0);
        await OpenRequestAsync("UMENTEE04");

        var loads = (await Store.GetMentorLoadsAsync()).ToDictionary(l => l.Mentor.SlackUserId, l => l.OpenClaims);

        Assert.Equal(2, loads["UMENTOR01"]);
        Assert.Equal(0, loads["UMENTOR02"]);
        Assert.Equal(2, loads.Count);
    }

    [Fact]
    public async Task TryRelease_ByTheClaimer_ReopensItAndCountsTheReset()
    {
        var id = await OpenRequestAsync();
        await Store.TryClaimAsync(id, "UMENTOR01", T0);

        var outcome = await Store.TryReleaseAsync(id, "UMENTOR01", "UCOORD01", T0.AddHours(2));

        Assert.True(outcome!.Applied);
        var read = (await ReadAsync(id))!;
        Assert.Equal(RequestStatus.Open, read.Status);
        Assert.Null(read.ClaimedBy);
        Assert.Null(read.ClaimedAt);
        Assert.Equal("UCOORD01", read.ReleasedBy);
        Assert.Equal(T0.AddHours(2), read.ReleasedAt);
        Assert.Equal(1, read.ResetCount);
    }

    [Fact]
    public async Task TryRelease_WhenNotClaimed_ChangesNothing()
    {
        var id = await OpenRequestAsync();

        Assert.Equal(Refusal.NotClaimed, ((await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0)))!.Refused);
        Assert.Equal(0, (await ReadAsync(id))!.ResetCount);
        Assert.Null((await Store.TryReleaseAsync("R-999999", "UMENTOR01", "UMENTOR01", T0)));
    }

    [Fact]
    public async Task TryRelease_WhenAnotherMentorHoldsIt_ReportsTheChange()
    {
        var id = await OpenRequestAsync();
        await Store.TryClaimAsync(id, "UMENTOR02", T0);

        var outcome = await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0);

        Assert.Equal(Refusal.NotAllowed, outcome!.Refused);
        Assert.Equal("UMENTOR02", (await ReadAsync(id))!.ClaimedBy);
    }

    [Fact]
    public async Task TryClaim_AfterARelease_CanBeClaimedAgain()
    {
        var id = await OpenRequestAsync();
        await Store.TryClaimAsync(id, "UMENTOR01", T0);
        await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0.AddMinutes(5));

        var again = await Store.TryClaimAsync(id, "UMENTOR02", T0.AddMinutes(10));

        Assert.True(again!.Applied);
        Assert.Equal("UMENTOR02", again!.Result.Request.ClaimedBy);
        Assert.Equal(1, again!.Result.Request.ResetCount);
        Assert.Equal("UMENTOR01", again!.Result.Request.ReleasedBy);
    }

    [Fact]
    public async Task SetMentorLastClaimed_NotesWhenTheyLastTookARequest_AndIgnoresSomeoneNotEnrolled()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);

        await Store.SetMentorLastClaimedAsync("UMENTOR01", T0.AddDays(2));
        await Store.SetMentorLastClaimedAsync("UNOBODY01", T0.AddDays(2));

        Assert.Equal(T0.AddDays(2), (await Store.GetMentorAsync("UMENTOR01"))!.LastClaimedAt);
        Assert.Null(await Store.GetMentorAsync("UNOBODY01"));
    }

    [Fact]
    public async Task ChangeRequest_ReplayedWithTheSameChangeKey_FindsItMade_AndWritesNothing()
    {
        var id = await OpenRequestAsync();
        var first = await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.Claim(StoreChanges.Available("UMENTOR01")), T0, key: "claim:UMENTOR01:1");
        var version = (await Store.GetRequestAsync(id))!.Version;

        var replay = await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.Claim(StoreChanges.Available("UMENTOR01")), T0.AddMinutes(1), key: "claim:UMENTOR01:1");

        Assert.True(first!.Applied);
        Assert.True(replay!.Replayed);
        Assert.Null(replay.Refused);
        Assert.Equal(version, (await Store.GetRequestAsync(id))!.Version);
        Assert.Equal("claim:UMENTOR01:1", (await Store.GetRequestAsync(id))!.LastChange);
    }

    [Fact]
    public async Task Check_Answers() => await Store.CheckAsync();
}
