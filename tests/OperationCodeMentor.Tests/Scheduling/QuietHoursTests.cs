using OperationCodeMentor.Scheduling;

namespace OperationCodeMentor.Tests.Scheduling;

public class QuietHoursTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static QuietHours Parse(string text, TimeZoneInfo zone)
    {
        Assert.True(QuietHours.TryParse(text, out var start, out var end));
        return new QuietHours(start, end, zone);
    }

    [Theory]
    [InlineData("22:00-07:00", true)]
    [InlineData("9:30 - 17:00", true)]
    [InlineData("22:00", false)]
    [InlineData("07:00-07:00", false)]
    [InlineData("25:00-07:00", false)]
    [InlineData("", false)]
    public void TryParse_AcceptsStartDashEnd(string text, bool ok) => Assert.Equal(ok, QuietHours.TryParse(text, out _, out _));

    [Fact]
    public void Defer_AcrossMidnight_MovesEveningAndEarlyMorningToTheEnd_InTheZone()
    {
        var quiet = Parse("22:00-07:00", NewYork);
        var evening = new DateTimeOffset(2026, 11, 3, 23, 15, 0, TimeSpan.FromHours(-5));
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 7, 0, 0, TimeSpan.FromHours(-5)), quiet.Defer(evening));
        var early = new DateTimeOffset(2026, 11, 4, 6, 59, 0, TimeSpan.FromHours(-5));
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 7, 0, 0, TimeSpan.FromHours(-5)), quiet.Defer(early));
        var day = new DateTimeOffset(2026, 11, 4, 7, 0, 0, TimeSpan.FromHours(-5));
        Assert.Equal(day, quiet.Defer(day));
        Assert.Equal(day.AddHours(15).AddMinutes(-1), quiet.Defer(day.AddHours(15).AddMinutes(-1)));
    }

    [Fact]
    public void Defer_WithinOneDay_AndInUtc()
    {
        var quiet = Parse("12:00-13:00", TimeZoneInfo.Utc);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 13, 0, 0, TimeSpan.Zero), quiet.Defer(new DateTimeOffset(2026, 5, 1, 12, 30, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 11, 59, 0, TimeSpan.Zero), quiet.Defer(new DateTimeOffset(2026, 5, 1, 11, 59, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Defer_ToAnEndSkippedByDaylightSaving_UsesTheFirstRealMinute()
    {
        // On 8 March 2026 New York jumps from 02:00 to 03:00: a quiet period ending at 02:30 ends at 03:00.
        var quiet = Parse("01:00-02:30", NewYork);
        var deferred = quiet.Defer(new DateTimeOffset(2026, 3, 8, 1, 30, 0, TimeSpan.FromHours(-5)));
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 3, 0, 0, TimeSpan.FromHours(-4)), deferred);
    }
}
