using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>The request and the mentor the Airtable store's own tests write.</summary>
internal static class AirtableSamples
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A request to store; its number is reserved when it is created (<see cref="CreateAsync"/>), unless given.</summary>
    public static NewMentorRequest Request(string mentee = "UMENTEE01") =>
        new(0, mentee, "Mentee " + mentee, "Code Review", ["C#", "SQL"], "Please review my first API project.", "Military Spouse", T0);

    public static MentorProfile Profile(string id) => new(id, "Mentor " + id, ["C#"], null, 2, null);

    /// <summary>Stores a request the way the intake does: a number reserved first, then the request written under it.</summary>
    public static async Task<MentorRequest> CreateAsync(AirtableMentorshipStore store, NewMentorRequest request)
    {
        if (request.Number == 0) request = request with { Number = await store.ReserveRequestNumberAsync() };
        return (await store.CreateRequestAsync(request)).Request;
    }

    /// <summary>The row a request was written to, found by its reference.</summary>
    public static FakeRecord Row(FakeAirtableHarness h, MentorRequest r) => h.Requests.Find("Reference", r.Reference)!;
}
