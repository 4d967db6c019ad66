using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableFormulaTests
{
    [Theory]
    [InlineData("U0123ABCD", "'U0123ABCD'")]
    [InlineData("x') , TRUE(), ('", @"'x\') , TRUE(), (\''")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData(@"\'", @"'\\\''")]
    [InlineData("two\nlines", @"'two\nlines'")]
    public void Literal_EscapesBackslashAndQuote(string value, string expected) => Assert.Equal(expected, AirtableFormula.Literal(value));

    [Fact]
    public void FieldEquals_IsAnExactComparisonOfTheField()
    {
        Assert.Equal("{Slack User ID}='U1'", AirtableFormula.FieldEquals("Slack User ID", "U1").Text);
        Assert.DoesNotContain("FIND", AirtableFormula.FieldEquals("Email", "a@b.c").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Combinators_NestAsAirtableReadsThem()
    {
        var f = AirtableFormula.And(AirtableFormula.FieldEquals("Status", "open"), AirtableFormula.Not(AirtableFormula.IsBlank("Reference")),
            AirtableFormula.Or(AirtableFormula.RecordIdIs("rec1"), AirtableFormula.FieldEquals("Count", 3)));

        Assert.Equal("AND({Status}='open',NOT({Reference}=BLANK()),OR(RECORD_ID()='rec1',{Count}=3))", f.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a}b")]
    [InlineData("{a")]
    public void Field_WithBraces_IsRefused(string name) => Assert.Throws<ArgumentException>(() => AirtableFormula.Field(name));
}
