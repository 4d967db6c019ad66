using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

/// <summary>
/// The order of the intake's steps, from its progress alone: stored before the mentee is told, except where storing is
/// to be the last write (the store is the queue's database), once the card is out.
/// </summary>
public class IntakeStepsTests
{
    private static readonly RequestPost Card = new("G0MENTORS", "1712345678.000100", []);

    /// <summary>The steps taken from the start, each one's outcome as <paramref name="posted"/> says, until done.</summary>
    private static List<IntakeStep> Walk(bool storeLast, Func<IntakeProgress, IntakeProgress> posted, string? offerTo = null)
    {
        var p = new IntakeProgress();
        var steps = new List<IntakeStep>();
        for (var step = IntakeProgress.Next(p); step != IntakeStep.Done; step = IntakeProgress.Next(p))
        {
            steps.Add(step);
            p = step switch
            {
                IntakeStep.Reserve => p with { Stage = IntakeStage.Numbered, Number = 1001, OfferTo = offerTo, StoreLast = storeLast },
                IntakeStep.PostCard or IntakeStep.Offer => posted(p with { Stage = IntakeStage.Posted }),
                IntakeStep.Store => p with { Stage = p.Stage == IntakeStage.Told ? IntakeStage.Confirmed : IntakeStage.Stored },
                IntakeStep.PostCardLate => p with { Post = Card },
                IntakeStep.Confirm => p with { Stage = p.Stage == IntakeStage.Posted ? IntakeStage.Told : IntakeStage.Confirmed },
                _ => throw new InvalidOperationException(step.ToString()),
            };
            Assert.True(steps.Count < 10, string.Join(", ", steps));
        }
        return steps;
    }

    [Fact]
    public void WhereStoringIsTheLastWrite_TheMenteeIsToldOnceTheCardIsOut_AndTheRequestIsStoredLast()
    {
        Assert.Equal([IntakeStep.Reserve, IntakeStep.PostCard, IntakeStep.Confirm, IntakeStep.Store], Walk(true, p => p with { Post = Card }));
        Assert.Equal([IntakeStep.Reserve, IntakeStep.Offer, IntakeStep.Confirm, IntakeStep.Store], Walk(true, p => p, offerTo: "UMENTOR1"));
        Assert.Equal([IntakeStep.Reserve, IntakeStep.PostCard, IntakeStep.Confirm, IntakeStep.Store], Walk(true, p => p with { PostRefused = true }));
    }

    [Fact]
    public void Elsewhere_OrWhenSlackCouldNotTakeTheCard_TheRequestIsStoredBeforeTheMenteeIsTold()
    {
        Assert.Equal([IntakeStep.Reserve, IntakeStep.PostCard, IntakeStep.Store, IntakeStep.Confirm], Walk(false, p => p with { Post = Card }));
        Assert.Equal([IntakeStep.Reserve, IntakeStep.PostCard, IntakeStep.Store, IntakeStep.PostCardLate, IntakeStep.Confirm], Walk(true, p => p));
        Assert.Equal([IntakeStep.Reserve, IntakeStep.PostCard, IntakeStep.Store, IntakeStep.PostCardLate, IntakeStep.Confirm], Walk(false, p => p));
    }
}
