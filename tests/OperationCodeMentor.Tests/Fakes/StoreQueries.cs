using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>Short reads of a store for assertions: a request as it stands now, by reference or number.</summary>
public static class StoreQueries
{
    public static async Task<MentorRequest?> RequestAsync(this IMentorshipStore store, string reference) =>
        (await store.GetRequestAsync(reference))?.Request;

    public static Task<MentorRequest?> FindRequestByNumberAsync(this IMentorshipStore store, long number) =>
        store.RequestAsync(RequestReference.Format(number));
}
