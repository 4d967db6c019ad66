using OperationCodeMentor.Storage;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>The store contract against the Airtable store, talking HTTP to a fake Airtable laid out by <c>airtable init</c>.</summary>
public sealed class AirtableMentorshipStoreContractTests : MentorshipStoreContract
{
    private FakeAirtableHarness _airtable = null!;

    protected override async Task<IMentorshipStore> CreateStoreAsync()
    {
        _airtable = await FakeAirtableHarness.StartAsync();
        return _airtable.Store;
    }

    protected override async Task DisposeStoreAsync() => await _airtable.DisposeAsync();
}
