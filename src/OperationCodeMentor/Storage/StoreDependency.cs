using OperationCodeMentor.Airtable;
using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Storage;

/// <summary>The store, as queued work depends on it: down when Airtable cannot be reached or is overloaded, or the database errs.</summary>
public sealed class StoreDependency(IMentorshipStore store) : IDependency
{
    public string Name => Dependencies.Store;

    public bool Explains(Exception failure) => failure switch
    {
        AirtableException a => a.Status is null || (int)a.Status >= 500 || a.Status == System.Net.HttpStatusCode.TooManyRequests,
        System.Data.Common.DbException => true,
        _ => false,
    };

    public Task ProbeAsync(CancellationToken ct) => store.CheckAsync(ct);
}
