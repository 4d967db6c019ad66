using System.Buffers;

namespace OperationCodeMentor.Mentorship;

/// <summary>
/// An inverted index from skill to the mentors who list it, so a match touches only the mentors who share
/// a requested skill instead of every mentor. Built once from a snapshot of mentor loads and then read by
/// any number of matches (a sweep, a home tab, a burst of requests).
/// </summary>
public sealed class MentorIndex
{
    private readonly MentorLoad[] _mentors;
    private readonly Dictionary<string, int[]> _bySkill;
    private readonly bool[] _eligible;
    private readonly long[] _lastClaimed;

    private MentorIndex(MentorLoad[] mentors, Dictionary<string, int[]> bySkill)
    {
        _mentors = mentors;
        _bySkill = bySkill;
        _eligible = new bool[mentors.Length];
        _lastClaimed = new long[mentors.Length];
        for (var i = 0; i < mentors.Length; i++)
        {
            var m = mentors[i].Mentor;
            _eligible[i] = m.Active && !m.Paused && mentors[i].HasCapacity;
            _lastClaimed[i] = m.LastClaimedAt?.UtcTicks ?? long.MinValue;
        }
    }

    public int Count => _mentors.Length;

    public static MentorIndex Build(IEnumerable<MentorLoad> loads)
    {
        var mentors = loads as MentorLoad[] ?? loads.ToArray();
        var lists = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < mentors.Length; i++)
        {
            foreach (var skill in mentors[i].Mentor.Skills)
            {
                if (!lists.TryGetValue(skill, out var list)) lists[skill] = list = [];
                // A mentor listing the same skill twice still counts once.
                if (list.Count == 0 || list[^1] != i) list.Add(i);
            }
        }
        return new MentorIndex(mentors, lists.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The same ranking as <see cref="MentorMatcher.Match"/>, using the index; at most 64 results.</summary>
    public IReadOnlyList<MentorMatch> Match(IReadOnlyCollection<string> requestedSkills, int maxMentions, IReadOnlySet<string>? exclude = null)
    {
        if (requestedSkills.Count == 0 || maxMentions <= 0) return [];

        // Count hits per mentor in pooled arrays: one counter per mentor, plus the list of those touched so
        // only they are read back and cleared. A match then allocates little more than its result.
        var wanted = new HashSet<string>(requestedSkills, StringComparer.OrdinalIgnoreCase);
        if (wanted.Count > byte.MaxValue) throw new ArgumentException("A request names at most 255 skills.", nameof(requestedSkills));
        var counts = ArrayPool<byte>.Shared.Rent(_mentors.Length);
        // Shared-pool arrays come back as their last user left them.
        Array.Clear(counts, 0, _mentors.Length);
        var touched = ArrayPool<int>.Shared.Rent(Math.Min(_mentors.Length, 1024));
        var touchedCount = 0;
        Span<(int Index, int Count)> best = stackalloc (int, int)[Math.Min(maxMentions, 64)];
        var bestCount = 0;
        try
        {
            foreach (var skill in wanted)
            {
                if (!_bySkill.TryGetValue(skill, out var postings)) continue;
                foreach (var i in postings)
                {
                    if (!_eligible[i]) continue;
                    if (counts[i]++ == 0)
                    {
                        if (touchedCount == touched.Length) Grow(ref touched);
                        touched[touchedCount++] = i;
                    }
                }
            }

            // Keep only the best few: a bounded insertion into a small sorted buffer, not a sort of every hit.
            for (var t = 0; t < touchedCount; t++)
            {
                var i = touched[t];
                int count = counts[i];
                counts[i] = 0;
                if (exclude is not null && exclude.Contains(_mentors[i].Mentor.SlackUserId)) continue;
                if (bestCount == best.Length && !Better(i, count, best[^1].Index, best[^1].Count)) continue;
                var at = Math.Min(bestCount, best.Length - 1);
                while (at > 0 && Better(i, count, best[at - 1].Index, best[at - 1].Count))
                {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = (i, count);
                if (bestCount < best.Length) bestCount++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(counts);
            ArrayPool<int>.Shared.Return(touched);
        }

        var result = new MentorMatch[bestCount];
        for (var k = 0; k < bestCount; k++)
        {
            var (i, count) = best[k];
            result[k] = new MentorMatch(_mentors[i].Mentor, count, count >= wanted.Count);
        }
        return result;
    }

    private static void Grow(ref int[] touched)
    {
        var bigger = ArrayPool<int>.Shared.Rent(touched.Length * 2);
        touched.CopyTo(bigger, 0);
        ArrayPool<int>.Shared.Return(touched);
        touched = bigger;
    }

    // More matched skills first; then whoever claimed least recently; then a stable order by user ID.
    private bool Better(int a, int aCount, int b, int bCount)
    {
        if (aCount != bCount) return aCount > bCount;
        if (_lastClaimed[a] != _lastClaimed[b]) return _lastClaimed[a] < _lastClaimed[b];
        return string.CompareOrdinal(_mentors[a].Mentor.SlackUserId, _mentors[b].Mentor.SlackUserId) < 0;
    }
}
