using System.Net;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableErrorsTests
{
    [Theory]
    [InlineData("""{"error":{"type":"INVALID_MULTIPLE_CHOICE_OPTIONS","message":"Insufficient permissions"}}""", "INVALID_MULTIPLE_CHOICE_OPTIONS", "Insufficient permissions")]
    [InlineData("""{"error":"NOT_FOUND"}""", "NOT_FOUND", null)]
    [InlineData("""{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}""", "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later")]
    [InlineData("<html>bad gateway</html>", "HTTP_502", null)]
    [InlineData("", "HTTP_502", null)]
    public void Parse_ReadsEveryShapeAirtableAnswersWith(string body, string type, string? message)
    {
        var parsed = AirtableErrors.Parse(body, HttpStatusCode.BadGateway);

        Assert.Equal(type, parsed.Type);
        Assert.Equal(message, parsed.Message);
    }
}
