namespace OperationCodeMentor.Tests.Fakes;

/// <summary>Short, bounded polling for things that happen over real sockets or on background threads.</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, within);

    /// <summary>The same, for a condition that has to ask something over the network.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited in vain for {what}.");
            await Task.Delay(10);
        }
    }
}
