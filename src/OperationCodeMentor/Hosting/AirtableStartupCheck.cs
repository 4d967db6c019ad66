using System.Net;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Storage.Airtable;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// Start-up gate when Airtable is the store, run by <see cref="StoreStartupCheck"/> before any other service starts or
/// the server listens. It reads the base's schema (the layout the store then keeps for shaping every read and write),
/// refuses a base that lacks what the bot writes or holds it in a type that cannot carry it, and warms the caches so
/// the first form opened costs nothing. Whatever goes wrong ends in one <see cref="StartupException"/> sentence naming
/// the setting to look at; the token is never part of it.
/// </summary>
/// <remarks>
/// While it runs, Airtable calls give up soon (<see cref="AirtableClient.RetryBriefly"/>): a bad token, a base the
/// token may not use or a missing base is refused at once, and an outage is tried <see cref="Retries"/> more times
/// before the bot says so. A supervisor restarting the process retries far better than a start-up that hangs.
/// </remarks>
public sealed partial class AirtableStartupCheck(
    IServiceProvider services,
    IOptions<AirtableOptions> airtable,
    IOptions<AirtableStoreOptions> store,
    ILogger<AirtableStartupCheck> log)
{
    /// <summary>How many times a call that failed for a passing reason (5xx, no connection, a short 429) is tried again at start-up.</summary>
    public const int Retries = 2;

    /// <summary>The longest wait between two tries at start-up: a 429 holding the base longer (30 s by default) fails at once.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    /// <summary>What the token needs, as Airtable names the scopes.</summary>
    public const string Scopes = "data.records:read, data.records:write and schema.bases:read (and schema.bases:write for `airtable init`, which creates tables and fields)";

    public async Task CheckAsync(CancellationToken ct)
    {
        var o = airtable.Value;
        using (services.GetRequiredService<AirtableClient>().RetryBriefly(Retries, LongestWait))
        {
            try
            {
                var layout = await services.GetRequiredService<AirtableLayoutSource>().GetAsync(ct).ConfigureAwait(false);
                if (layout.Problems.Count > 0) throw new StartupException(NotReady(o.BaseId!, layout.Problems));
                await services.GetRequiredService<AirtableMentorshipStore>().WarmUpAsync(ct).ConfigureAwait(false);
            }
            catch (AirtableException e)
            {
                throw new StartupException(Explain(e, o, store.Value), e);
            }
        }
        LogReady(log, o.BaseId!);
    }

    /// <summary>The base lacks tables or fields, or holds one in a type that cannot carry it: all of them, on one line.</summary>
    public static string NotReady(string baseId, IReadOnlyList<SchemaProblem> problems)
    {
        var what = string.Join(" ", problems.Select(p => p.Message));
        var todo = problems.Any(p => p.Creatable)
            ? $" Run `{AirtableCli.Command} init` to create the missing tables and fields, or set Airtable:Tables:* / Airtable:Fields:* to the names your base uses;"
            : "";
        return $"Airtable base {baseId} is not ready for the bot ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}): {what}{todo} "
            + $"`{AirtableCli.Command} check` shows every field the bot uses, the type it found, and how the bot uses it.";
    }

    /// <summary>Airtable refused or never answered at start-up: which setting to look at, and what to do.</summary>
    public static string Explain(AirtableException e, AirtableOptions o, AirtableStoreOptions store)
    {
        var baseId = o.BaseId;
        var answer = e.Status is { } s ? $"{(int)s} {e.ErrorType}" : e.ErrorType;
        var api = WithoutUserInfo(o.ApiBaseUrl);
        var tries = 1 + Math.Min(Retries, o.MaxRetries);
        const string NoStore = "the bot will not start without its store";
        return e.Status switch
        {
            null =>
                $"Airtable:ApiBaseUrl: the Airtable API at {api} cannot be reached ({e.ErrorMessage?.TrimEnd('.') ?? "no answer"}), and {NoStore}; "
                + (o.ApiBaseUrl.TrimEnd('/') == AirtableOptions.DefaultApiBaseUrl.TrimEnd('/')
                    ? "check this machine's network, DNS and proxy (it must reach api.airtable.com on port 443), then start the bot again."
                    : $"check that address (Airtable's own is {AirtableOptions.DefaultApiBaseUrl}) and this machine's network, DNS and proxy, then start the bot again."),
            HttpStatusCode.Unauthorized =>
                $"Airtable:ApiKey (AIRTABLE_API_KEY): Airtable refused the token ({answer}), so it is mistyped, expired or revoked; "
                + $"create a personal access token at https://airtable.com/create/tokens with the scopes {Scopes} and access to base {baseId}, "
                + "and set it there.",
            HttpStatusCode.Forbidden =>
                $"Airtable:ApiKey (AIRTABLE_API_KEY): the token may not use base {baseId} ({answer}); "
                + $"give it the scopes {Scopes} and access to base {baseId} at https://airtable.com/create/tokens, "
                + "and check Airtable:BaseId (AIRTABLE_BASE_ID), since Airtable answers the same way for a base that does not exist.",
            HttpStatusCode.NotFound when TableOf(e, store) is { } table =>
                $"Airtable:{table.Key}: base {baseId} has no table \"{table.Name}\" ({answer}); "
                + $"set Airtable:{table.Key} to the table's name in the base, or run `{AirtableCli.Command} init` to create it.",
            HttpStatusCode.NotFound =>
                $"Airtable:BaseId (AIRTABLE_BASE_ID): Airtable found no base {baseId} at {api} ({answer}); "
                + "copy the base id (it starts with app) from the base's address in the browser or its API page, "
                + "and check Airtable:ApiBaseUrl if it was changed (Airtable's ends in /v0/).",
            HttpStatusCode.TooManyRequests =>
                $"Airtable:BaseId (AIRTABLE_BASE_ID): Airtable is rate limiting base {baseId} ({answer}), most likely because another "
                + $"program (or another copy of the bot) calls it heavily with the same base or token, and {NoStore}; "
                + "stop the other caller, or start the bot again in a minute.",
            { } status when (int)status >= 500 =>
                $"Airtable:ApiBaseUrl: the Airtable API at {api} kept failing ({answer}, {tries} tries), and {NoStore}; "
                + "Airtable is having trouble (see https://status.airtable.com): start the bot again once it answers.",
            _ => $"Airtable base {baseId}: {e.Message}",
        };
    }

    /// <summary>The configured table a refused call was about (its operation ends with the table's name), if any.</summary>
    private static ExpectedTable? TableOf(AirtableException e, AirtableStoreOptions store) =>
        AirtableSchema.Expected(store)
            .Where(t => !string.IsNullOrEmpty(t.Name) && e.Operation.EndsWith(" " + t.Name, StringComparison.Ordinal))
            .MaxBy(t => t.Name.Length);

    private static string WithoutUserInfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : url;

    [LoggerMessage(Level = LogLevel.Information, Message = "Storing in Airtable base {BaseId}: schema checked, caches loaded")]
    private static partial void LogReady(ILogger log, string baseId);
}
