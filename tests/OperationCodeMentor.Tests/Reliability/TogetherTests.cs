using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>Calls that arrive while one is under way share the next batch; a caller alone waits for nothing.</summary>
public class TogetherTests
{
    [Fact]
    public async Task CallsArrivingDuringABatch_GoTogetherInTheNext_EachGettingItsOwnAnswer()
    {
        var batches = new List<int[]>();
        var firstHeld = new TaskCompletionSource();
        var together = new Together<int, string>(async items =>
        {
            lock (batches) batches.Add([.. items]);
            if (batches.Count == 1) await firstHeld.Task;
            return items.Select(i => "answer " + i).ToList();
        });

        var first = together.RunAsync(0);
        var waiting = Enumerable.Range(1, 5).Select(together.RunAsync).ToList();
        Assert.False(first.IsCompleted);
        firstHeld.SetResult();

        Assert.Equal("answer 0", await first);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => "answer " + i), await Task.WhenAll(waiting));
        Assert.Equal([[0], [1, 2, 3, 4, 5]], batches);

        // Alone again: a call is its own batch at once.
        Assert.Equal("answer 9", await together.RunAsync(9));
        Assert.Equal([9], batches[^1]);
    }

    [Fact]
    public async Task ABatchThatFails_FailsItsOwnCallers_AndTheNextBatchStillRuns()
    {
        var held = new TaskCompletionSource();
        var calls = 0;
        var together = new Together<int, int>(async items =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await held.Task;
                throw new InvalidOperationException("the database went away");
            }
            return [.. items.Select(i => i * 10)];
        });

        var failing = together.RunAsync(1);
        var next = together.RunAsync(2);
        held.SetResult();

        Assert.Equal("the database went away", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Equal(20, await next);
    }
}
