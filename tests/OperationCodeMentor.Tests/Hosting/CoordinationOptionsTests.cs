using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Hosting;

public class CoordinationOptionsTests
{
    private static CoordinationOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddCoordinationOptions(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<CoordinationOptions>>().Value;
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var o = Bind([]);
        Assert.Equal(1, o.MaxOpenRequestsPerMentee);
        Assert.Equal(3, o.MaxRequestsPer30Days);
        Assert.Equal("Monday 09:00", o.Digest);
        Assert.Equal(new WeeklyTime(DayOfWeek.Monday, new TimeOnly(9, 0)), o.DigestTime);
        Assert.Equal("UTC", o.TimeZone);
        Assert.Equal(TimeSpan.Zero, o.Zone.BaseUtcOffset);
    }

    [Fact]
    public void Settings_AreReadFromTheMentorshipSection()
    {
        var o = Bind(new()
        {
            ["Mentorship:MaxOpenRequestsPerMentee"] = "2",
            ["Mentorship:MaxRequestsPer30Days"] = "0",
            ["Mentorship:Digest"] = "off",
            ["Mentorship:TimeZone"] = "America/Chicago",
        });
        Assert.Equal(2, o.MaxOpenRequestsPerMentee);
        Assert.Equal(0, o.MaxRequestsPer30Days);
        Assert.Null(o.DigestTime);
        Assert.Equal("America/Chicago", o.Zone.Id);
    }

    [Theory]
    [InlineData("Mentorship:Digest", "every Monday", "Mentorship:Digest must be a day and a time")]
    [InlineData("Mentorship:Digest", "Monday 25:00", "Mentorship:Digest must be a day and a time")]
    [InlineData("Mentorship:TimeZone", "Mars/Olympus_Mons", "Mentorship:TimeZone must be a time zone name")]
    [InlineData("Mentorship:MaxOpenRequestsPerMentee", "-1", "Mentorship:MaxOpenRequestsPerMentee must be between")]
    [InlineData("Mentorship:MaxRequestsPer30Days", "1000", "Mentorship:MaxRequestsPer30Days must be between")]
    public void BadSettings_AreRefused_WithAMessageNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));
        Assert.Contains(e.Failures, f => f.Contains(message, StringComparison.Ordinal));
    }
}
