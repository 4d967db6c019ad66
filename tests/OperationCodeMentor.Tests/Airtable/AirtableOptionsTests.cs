using OperationCodeMentor.Airtable;
using OperationCodeMentor.Storage.Airtable;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableOptionsTests
{
    [Fact]
    public void Defaults_AreAirtablesLimitsAndOperationCodesNames()
    {
        var o = new AirtableOptions();
        var s = new AirtableStoreOptions();

        Assert.Equal("https://api.airtable.com/v0/", o.ApiBaseUrl);
        Assert.Equal(5, o.RequestsPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RateLimitPenalty);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RequestTimeout);
        Assert.False(o.IsConfigured);
        Assert.Equal(TimeSpan.FromMinutes(5), s.CacheTtl);
        Assert.Equal(["Mentors", "Skillsets", "Services", "Affiliations", "Mentor Requests"],
            new[] { s.Tables.Mentors, s.Tables.Skillsets, s.Tables.Services, s.Tables.Affiliations, s.Tables.Requests });
        Assert.Equal("Skillsets Requested", s.Fields.Requests.Skills);
        Assert.Equal("Slack Message TS", s.Fields.Requests.MessageTs);
    }

    [Theory]
    [InlineData("patX", null, "Airtable:BaseId (AIRTABLE_BASE_ID) is not")]
    [InlineData(null, "appX1", "Airtable:ApiKey (AIRTABLE_API_KEY) is not")]
    [InlineData("patX", "base1", "Airtable:BaseId must be a base ID")]
    public void Validator_RefusesHalfAConfiguration(string? key, string? baseId, string message)
    {
        var result = new AirtableOptionsValidator().Validate(null, new AirtableOptions { ApiKey = key, BaseId = baseId });

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("patX", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreValidator_RefusesNamesFormulasCannotReach()
    {
        var o = new AirtableStoreOptions();
        o.Fields.Mentors.SlackUserId = "Slack {ID}";
        o.Tables.Mentors = "";
        o.Fields.Requests.ClaimedBy = "";

        var result = new AirtableStoreOptionsValidator().Validate(null, o);

        Assert.Contains("Airtable:Fields:Mentors:SlackUserId cannot contain braces", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Airtable:Tables:Mentors must name", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("ClaimedBy", result.FailureMessage, StringComparison.Ordinal);
    }
}
