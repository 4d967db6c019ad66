using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableClientTests : IAsyncLifetime
{
    private const string Things = "Things";
    private FakeAirtableHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static async Task<FakeAirtableHarness> StartAsync(Action<AirtableOptions>? configure = null, TimeProvider? clock = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var h = await FakeAirtableHarness.StartAsync(configure, clock: clock, fakeClock: clock, logs: logs);
        var things = h.Base.AddTable(Things, ("Name", "singleLineText"), ("Tag", "singleSelect"), ("Count", "number"), ("Done", "checkbox"), ("Note", "multilineText"));
        ((JsonArray)things.Field("Tag")!.Options!["choices"]!).Add(new JsonObject { ["name"] = "red" });
        return h;
    }

    private FakeTable Table => _h.Base.Table(Things)!;

    private void Seed(int count)
    {
        for (var i = 0; i < count; i++) Table.Insert(new JsonObject { ["Name"] = $"thing {i:D3}", ["Count"] = i });
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Bounded: real HTTP to the fake takes milliseconds.
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("The condition did not hold within 10 s.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Requests_CarryTheTokenAsBearer_AndAWrongTokenIsAnErrorNotARetry()
    {
        Seed(1);
        Assert.Single(await _h.Client.ListAsync(Things));

        _h.Fake.ClearCalls();
        var options = new AirtableOptions { ApiKey = "patWRONG", BaseId = _h.Options.BaseId, ApiBaseUrl = _h.Options.ApiBaseUrl, RetryBaseDelay = _h.Options.RetryBaseDelay };
        var wrong = new AirtableClient(new HttpClient(), FakeAirtableHarness.Monitor(options), _h.Limiter, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<AirtableClient>.Instance);
        var e = await Assert.ThrowsAsync<AirtableException>(() => wrong.ListAsync(Things));

        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
        Assert.Equal("AUTHENTICATION_REQUIRED", e.ErrorType);
        Assert.Single(_h.Fake.Calls);
    }

    [Fact]
    public async Task List_FollowsTheOffsetToTheLastPage()
    {
        Seed(250);

        var all = await _h.Client.ListAsync(Things);

        Assert.Equal(250, all.Count);
        Assert.Equal(250, all.Select(r => r.Id).Distinct().Count());
        Assert.Equal(3, _h.Fake.Calls.Count);
        Assert.Contains("offset=itr200", _h.Fake.Calls[2].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WithMaxRecords_StopsAtThatMany()
    {
        Seed(250);

        var some = await _h.Client.ListAsync(Things, new AirtableQuery { MaxRecords = 120, Sort = [new AirtableSort("Name", SortDirection.Desc)] });

        Assert.Equal(120, some.Count);
        Assert.Equal("thing 249", some[0].Text("Name"));
    }

    [Fact]
    public async Task List_OnlyTheFieldsAsked_AndEmptyValuesAreLeftOut()
    {
        Table.Insert(new JsonObject { ["Name"] = "a", ["Note"] = "hidden", ["Done"] = false, ["Count"] = 3 });

        var record = Assert.Single(await _h.Client.ListAsync(Things, new AirtableQuery { Fields = ["Name", "Done"] }));

        Assert.Equal("a", record.Text("Name"));
        Assert.Null(record.Fields["Note"]);
        Assert.False(record.Fields.ContainsKey("Done"));
        Assert.False(record.Flag("Done"));
    }

    [Fact]
    public async Task Create_MoreThanTen_GoesInBatchesOfTen()
    {
        var rows = Enumerable.Range(0, 25).Select(i => new JsonObject { ["Name"] = $"n{i}" }).ToList();

        var created = await _h.Client.CreateAsync(Things, rows);

        Assert.Equal(25, created.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"n{i}"), created.Select(r => r.Text("Name")));
        Assert.Equal(25, Table.Records.Count);
        Assert.Equal([10, 10, 5], _h.Fake.Calls.Select(c => JsonNode.Parse(c.Body!)!["records"]!.AsArray().Count));
    }

    [Fact]
    public async Task Update_PatchMergesInBatchesOfTen_AndPutReplaces()
    {
        var created = await _h.Client.CreateAsync(Things, Enumerable.Range(0, 12).Select(i => new JsonObject { ["Name"] = $"n{i}", ["Note"] = "keep" }).ToList());
        _h.Fake.ClearCalls();

        await _h.Client.UpdateAsync(Things, created.Select(r => new AirtableRecordUpdate(r.Id, new JsonObject { ["Count"] = 7 })).ToList());
        Assert.Equal(2, _h.Fake.Calls.Count);
        Assert.All(Table.Records, r => Assert.Equal("keep", r.Text("Note")));

        var replaced = await _h.Client.UpdateAsync(Things, [new AirtableRecordUpdate(created[0].Id, new JsonObject { ["Name"] = "only" })], replace: true);
        Assert.Equal("PUT", _h.Fake.Calls[^1].Method);
        Assert.Null(replaced[0].Text("Note"));
        Assert.Null(replaced[0].Number("Count"));
    }

    [Fact]
    public async Task Upsert_SentTwice_LeavesOneRecord()
    {
        var row = new JsonObject { ["Name"] = "key-1", ["Count"] = 1 };

        var first = await _h.Client.UpsertAsync(Things, [row], ["Name"]);
        var second = await _h.Client.UpsertAsync(Things, [new JsonObject { ["Name"] = "key-1", ["Count"] = 2 }], ["Name"]);

        Assert.Equal(first[0].Id, second[0].Id);
        Assert.Equal(2, Assert.Single(Table.Records).Fields["Count"]!.GetValue<double>());
    }

    [Fact]
    public async Task UnknownSelectOption_IsRefusedWithAirtablesErrorAndNotRetried_UnlessTypecast()
    {
        var e = await Assert.ThrowsAsync<AirtableException>(() => _h.Client.CreateAsync(Things, [new JsonObject { ["Tag"] = "blue" }]));

        Assert.Equal((HttpStatusCode)422, e.Status);
        Assert.Equal("INVALID_MULTIPLE_CHOICE_OPTIONS", e.ErrorType);
        Assert.Contains("blue", e.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(_h.Fake.Calls);

        var created = await _h.Client.CreateAsync(Things, [new JsonObject { ["Tag"] = "blue" }], typecast: true);
        Assert.Equal("blue", created[0].Text("Tag"));
    }

    /// <summary>Asks the fake directly, bypassing the client, to see Airtable's answer as it is.</summary>
    private Task<string> RawGetAsync(string pathAndQuery) => RawGetAsync(_h, pathAndQuery);

    private static async Task<string> RawGetAsync(FakeAirtableHarness h, string pathAndQuery)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{h.Fake.ApiBaseUrl}{FakeAirtableHarness.BaseId}/{pathAndQuery}");
        request.Headers.Add("Authorization", "Bearer " + FakeAirtable.Token);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Get_WhenAirtableAnswersTheBareNotFound_ReturnsNull()
    {
        Assert.Equal("{\"error\":\"NOT_FOUND\"}", await RawGetAsync($"{Things}/recAAAAAAAAAAAAAA"));

        Assert.Null(await _h.Client.GetAsync(Things, "recAAAAAAAAAAAAAA"));
    }

    [Fact]
    public async Task UnknownField_SurfacesTheTypedError()
    {
        var e = await Assert.ThrowsAsync<AirtableException>(() => _h.Client.CreateAsync(Things, [new JsonObject { ["Colour"] = "x" }]));

        Assert.Equal("UNKNOWN_FIELD_NAME", e.ErrorType);
        Assert.Contains("create in Things", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WhoseUrlWouldPass16000Characters_IsSentAsAPostBody()
    {
        Seed(3);
        var ids = Table.Records.Select(r => r.Id).ToList();
        var filter = AirtableFormula.Or(ids.Select(AirtableFormula.RecordIdIs)
            .Concat(Enumerable.Range(0, 700).Select(i => AirtableFormula.RecordIdIs($"recNOPE{i:D10}"))).ToArray());
        Assert.True(filter.Text.Length > AirtableClient.MaxUrlLength);

        var found = await _h.Client.ListAsync(Things, new AirtableQuery { Filter = filter });

        Assert.Equal(ids, found.Select(r => r.Id));
        var call = Assert.Single(_h.Fake.Calls);
        Assert.Equal("POST", call.Method);
        Assert.EndsWith("/listRecords", call.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x') , TRUE(), ('")]
    [InlineData("x', TRUE(), '")]
    [InlineData("\\', TRUE(), '")]
    [InlineData("x\" , TRUE(), \"")]
    public async Task Filter_WithAValueBuiltToWidenTheQuery_MatchesOnlyThatLiteralValue(string hostile)
    {
        Seed(5);
        var literal = Table.Insert(new JsonObject { ["Name"] = hostile });

        var found = await _h.Client.ListAsync(Things, new AirtableQuery { Filter = AirtableFormula.FieldEquals("Name", hostile) });

        Assert.Equal(literal.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task Filter_PastedUnescaped_WouldWidenTheQuery_SoTheFakeCanTell()
    {
        Seed(5);
        var naive = "OR({Name}='" + "x', TRUE(), '" + "')";

        var answer = JsonNode.Parse(await RawGetAsync($"{Things}?filterByFormula={Uri.EscapeDataString(naive)}"))!;

        Assert.Equal(5, answer["records"]!.AsArray().Count);
    }

    [Fact]
    public async Task RateLimited_HoldsThirtySecondsThenRetries()
    {
        var clock = new ManualTimeProvider();
        await using var h = await StartAsync(o => o.RateLimitPenalty = TimeSpan.FromSeconds(30), clock);
        h.Base.Table(Things)!.Insert(new JsonObject { ["Name"] = "a" });
        h.Fake.FailNext(1, HttpStatusCode.TooManyRequests);

        var list = h.Client.ListAsync(Things);
        await WaitUntilAsync(() => h.Limiter.HeldUntil(FakeAirtableHarness.BaseId) == clock.GetUtcNow() + TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(29.9));
        await Task.Delay(50);
        Assert.False(list.IsCompleted);
        Assert.Single(h.Fake.Calls);

        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Single(await list.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([429, 200], h.Fake.Calls.Select(c => c.Status));
    }

    [Fact]
    public async Task RateLimited_HoldsEveryCallerToTheBase_NotOnlyTheOneThatWasRefused()
    {
        var clock = new ManualTimeProvider();
        await using var h = await StartAsync(null, clock);
        h.Fake.FailNext(1, HttpStatusCode.TooManyRequests);
        var first = h.Client.ListAsync(Things);
        await WaitUntilAsync(() => h.Limiter.HeldUntil(FakeAirtableHarness.BaseId) > clock.GetUtcNow());

        var other = h.NewClient().ListAsync(Things);
        await Task.Delay(50);

        Assert.Single(h.Fake.Calls);
        clock.Advance(TimeSpan.FromSeconds(30));
        await Task.WhenAll(first, other).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([429, 200, 200], h.Fake.Calls.Select(c => c.Status));
    }

    [Fact]
    public async Task TheFake_RefusesTheSixthRequestInASecond_ThenEverythingForThirtySeconds()
    {
        var clock = new ManualTimeProvider();
        await using var h = await StartAsync(null, clock);
        h.Fake.RequestsPerSecond = 5;
        clock.Advance(TimeSpan.FromSeconds(1)); // past the set-up's requests

        var answers = new List<string>();
        for (var i = 0; i < 6; i++) answers.Add(await RawGetAsync(h, Things));
        clock.Advance(TimeSpan.FromSeconds(29));
        answers.Add(await RawGetAsync(h, Things));
        clock.Advance(TimeSpan.FromSeconds(1));
        answers.Add(await RawGetAsync(h, Things));

        Assert.Equal([200, 200, 200, 200, 200, 429, 429, 200], h.Fake.Calls.Select(c => c.Status));
        Assert.Equal("""{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}""", answers[5]);
    }

    [Fact]
    public async Task AtAirtablesRealLimit_ABurstThroughTheClientMeetsNo429()
    {
        await using var h = await FakeAirtableHarness.StartAsync(realRateLimit: true);
        h.Base.AddTable(Things, ("Name", "singleLineText"));
        await Task.Delay(AirtableRateLimiter.Window); // let the set-up's requests leave the window
        h.Fake.ClearCalls();

        await Task.WhenAll(Enumerable.Range(0, 11).Select(i => h.Client.CreateAsync(Things, [new JsonObject { ["Name"] = $"n{i}" }])));

        Assert.Equal(11, h.Fake.Calls.Count);
        Assert.All(h.Fake.Calls, c => Assert.Equal(200, c.Status));
        Assert.True(h.Fake.Calls[^1].At - h.Fake.Calls[0].At >= TimeSpan.FromSeconds(2), "Eleven requests at 5 per second span at least two seconds.");
    }

    [Fact]
    public async Task ServiceUnavailable_WithRetryAfter_WaitsThatLong()
    {
        var clock = new ManualTimeProvider();
        await using var h = await StartAsync(null, clock);
        h.Fake.FailNext(1, HttpStatusCode.ServiceUnavailable, retryAfter: TimeSpan.FromSeconds(7));

        var list = h.Client.ListAsync(Things);
        // A timer due exactly at the Retry-After: the others are the attempt's 30 s timeout and the permit's return.
        await WaitUntilAsync(() => clock.DueTimes.Contains(clock.GetUtcNow() + TimeSpan.FromSeconds(7)));
        clock.Advance(TimeSpan.FromSeconds(6));
        await Task.Delay(50);
        Assert.Single(h.Fake.Calls);

        clock.Advance(TimeSpan.FromSeconds(1));
        await list.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([503, 200], h.Fake.Calls.Select(c => c.Status));
    }

    [Fact]
    public async Task ServerErrors_AreRetried_AndWhenTheyPersistSurfaceTyped()
    {
        _h.Fake.FailNext(2, HttpStatusCode.BadGateway);
        Assert.Empty(await _h.Client.ListAsync(Things));
        Assert.Equal([502, 502, 200], _h.Fake.Calls.Select(c => c.Status));

        await using var h = await StartAsync(o => o.MaxRetries = 2);
        h.Fake.FailNext(3, HttpStatusCode.InternalServerError);
        var e = await Assert.ThrowsAsync<AirtableException>(() => h.Client.ListAsync(Things));
        Assert.Equal(HttpStatusCode.InternalServerError, e.Status);
        Assert.Equal(3, h.Fake.Calls.Count);
    }

    [Fact]
    public async Task Timeout_IsRetried()
    {
        await using var h = await StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        h.Fake.StallNext(1);

        await h.Client.CreateAsync(Things, [new JsonObject { ["Name"] = "after a stall" }]);

        Assert.Equal(2, h.Fake.Calls.Count);
        Assert.Single(h.Base.Table(Things)!.Records);
    }

    [Fact]
    public async Task TheToken_NeverAppearsInLogsOrErrors()
    {
        var logs = new CapturingLoggerProvider();
        var errors = new List<Exception>();
        await using (var h = await StartAsync(o => { o.MaxRetries = 1; o.RequestTimeout = TimeSpan.FromMilliseconds(300); o.RateLimitPenalty = TimeSpan.FromMilliseconds(50); }, logs: logs.Factory()))
        {
            h.Fake.Penalty = TimeSpan.FromMilliseconds(50);
            async Task Catch(Func<Task> call)
            {
                try { await call(); }
                catch (Exception e) { errors.Add(e); }
            }
            await Catch(() => h.Client.CreateAsync(Things, [new JsonObject { ["Nope"] = 1 }]));
            h.Fake.FailNext(2, HttpStatusCode.InternalServerError);
            await Catch(() => h.Client.ListAsync(Things));
            h.Fake.FailNext(1, HttpStatusCode.TooManyRequests);
            await Catch(() => h.Client.ListAsync(Things, new AirtableQuery { Filter = AirtableFormula.FieldEquals("Name", "x") }));
            h.Fake.StallNext(2);
            await Catch(() => h.Client.ListAsync(Things));
            await h.Fake.DisposeAsync();
            await Catch(() => h.Client.ListAsync(Things));
        }

        Assert.True(errors.Count >= 4);
        Assert.Contains(logs.Lines, l => l.Contains("retry", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(FakeAirtable.Token, StringComparison.Ordinal) || l.Contains("patFAKE", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.ToString().Contains("patFAKE", StringComparison.Ordinal));
    }
}
