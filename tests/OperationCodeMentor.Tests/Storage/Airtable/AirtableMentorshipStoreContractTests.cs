using OperationCodeMentor.Storage;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>The store contract against the Airtable store, talking HTTP to a fake Airtable.</summary>
public abstract class AirtableStoreContract(bool likeOperationCode) : MentorshipStoreContract
{
    private FakeAirtableHarness _airtable = null!;

    protected override async Task<IMentorshipStore> CreateStoreAsync()
    {
        _airtable = await FakeAirtableHarness.StartAsync(likeOperationCode: likeOperationCode);
        return _airtable.Store;
    }

    protected override async Task DisposeStoreAsync() => await _airtable.DisposeAsync();
}

/// <summary>On a base <c>airtable init</c> laid out from nothing.</summary>
public sealed class AirtableMentorshipStoreContractTests() : AirtableStoreContract(likeOperationCode: false);

/// <summary>
/// On a fake of the base Operation Code runs, after <c>airtable init</c> added the bot's own fields: Service a single
/// select, Claimed By a link to Mentors, Active the words True/False, invalid option rows and mentors, and Pybot's
/// requests already in the table. Passing on both means the store behaves the same whatever types the base holds.
/// </summary>
public sealed class AirtableOperationCodeBaseContractTests() : AirtableStoreContract(likeOperationCode: true);
