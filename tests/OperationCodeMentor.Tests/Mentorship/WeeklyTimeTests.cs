using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Mentorship;

public class WeeklyTimeTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData("Monday 09:00", DayOfWeek.Monday, 9, 0)]
    [InlineData("mon 9:00", DayOfWeek.Monday, 9, 0)]
    [InlineData("  Friday   17:30 ", DayOfWeek.Friday, 17, 30)]
    [InlineData("SUN 00:05", DayOfWeek.Sunday, 0, 5)]
    public void TryParse_ReadsADayAndATime(string text, DayOfWeek day, int hour, int minute)
    {
        Assert.True(WeeklyTime.TryParse(text, out var t));
        Assert.Equal(new WeeklyTime(day, new TimeOnly(hour, minute)), t);
    }

    [Theory]
    [InlineData("")]
    [InlineData("off")]
    [InlineData("Mo 09:00")]
    [InlineData("Monday")]
    [InlineData("Monday 24:00")]
    [InlineData("Someday 09:00")]
    public void TryParse_RefusesAnythingElse(string text) => Assert.False(WeeklyTime.TryParse(text, out _));

    [Fact]
    public void NextAfter_IsLaterTheSameDay_WhenTheTimeIsStillAhead()
    {
        var monday8 = new DateTimeOffset(2026, 11, 2, 13, 0, 0, TimeSpan.Zero); // 08:00 in New York
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero), new WeeklyTime(DayOfWeek.Monday, new(9, 0)).NextAfter(monday8, NewYork));
    }

    [Fact]
    public void NextAfter_ExactlyAtTheTime_IsAWeekLater()
    {
        var due = new DateTimeOffset(2026, 11, 9, 14, 0, 0, TimeSpan.Zero);
        Assert.Equal(due.AddDays(7), new WeeklyTime(DayOfWeek.Monday, new(9, 0)).NextAfter(due, NewYork));
    }

    [Fact]
    public void NextAfter_FollowsDaylightSavingTime()
    {
        // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC after the clocks go forward on 14 March 2027.
        var before = new DateTimeOffset(2027, 3, 9, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2027, 3, 15, 13, 0, 0, TimeSpan.Zero), new WeeklyTime(DayOfWeek.Monday, new(9, 0)).NextAfter(before, NewYork));
    }

    [Fact]
    public void NextAfter_ATimeTheClocksSkip_MovesForwardAnHour()
    {
        // 02:30 on 14 March 2027 does not exist in New York; 03:30 EDT is 07:30 UTC.
        var before = new DateTimeOffset(2027, 3, 13, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2027, 3, 14, 7, 30, 0, TimeSpan.Zero), new WeeklyTime(DayOfWeek.Sunday, new(2, 30)).NextAfter(before, NewYork));
    }
}
