using BenchmarkDotNet.Attributes;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Bench;

/// <summary>
/// Matching a request against 10,000 mentors drawn from 200 skills: on a built index (what a sweep or a
/// burst of requests reuses), and including the index build (what a single request pays today).
/// </summary>
[MemoryDiagnoser]
public class MatchingBenchmarks
{
    private MentorLoad[] _mentors = [];
    private MentorIndex _index = null!;
    private string[][] _requests = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var skills = Enumerable.Range(0, 200).Select(i => $"Skill {i}").ToArray();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _mentors = Enumerable.Range(0, 10_000).Select(i => new MentorLoad(
            new Mentor(i.ToString(), $"U{i:D6}", null, skills.OrderBy(_ => random.Next()).Take(random.Next(1, 9)).ToArray(),
                null, 3, null, Active: random.Next(20) != 0, Paused: random.Next(15) == 0,
                random.Next(4) == 0 ? null : start.AddMinutes(random.Next(0, 500_000)), start),
            random.Next(0, 4))).ToArray();
        _index = MentorIndex.Build(_mentors);
        _requests = Enumerable.Range(0, 256).Select(_ => skills.OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToArray()).ToArray();
    }

    [Benchmark(Description = "match on a built index")]
    public IReadOnlyList<MentorMatch> MatchOnIndex() => _index.Match(_requests[_next++ & 255], 5);

    [Benchmark(Description = "build index + match")]
    public IReadOnlyList<MentorMatch> BuildAndMatch() => MentorMatcher.Match(_requests[_next++ & 255], _mentors, 5);
}
