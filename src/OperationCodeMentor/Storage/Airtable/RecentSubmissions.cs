namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The requests this process created for the latest submission keys, so a repeated create is answered with the first
/// request instead of an upsert that would rewrite it. Bounded: the oldest are forgotten first, long after any repeat.
/// </summary>
internal sealed class RecentSubmissions(int capacity = 10_000)
{
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public string? Find(string submissionKey)
    {
        lock (_ids) return _ids.GetValueOrDefault(submissionKey);
    }

    public void Remember(string submissionKey, string reference)
    {
        lock (_ids)
        {
            if (_ids.TryAdd(submissionKey, reference)) _order.Enqueue(submissionKey);
            while (_order.Count > capacity) _ids.Remove(_order.Dequeue());
        }
    }
}
