namespace OperationCodeMentor.Storage;

/// <summary>
/// Reference numbers handed out by <see cref="IMentorshipStore.ReserveRequestNumberAsync"/> for requests not yet stored.
/// A store that numbers requests in memory asks this after a restart, so it never hands out one of them again.
/// </summary>
public interface IReservedRequestNumbers
{
    /// <summary>The highest reserved number still waiting to be stored; null when none is.</summary>
    long? Highest();
}
