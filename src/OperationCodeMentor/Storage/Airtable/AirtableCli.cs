using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Hosting;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// <c>dotnet run --project src/OperationCodeMentor -- airtable check|init</c>. Uses the bot's own configuration
/// (appsettings, user secrets, environment) and the same client, so what it checks is what the bot will use.
/// Exit codes: 0 the base fits, 1 it does not, 2 wrong usage or configuration, 3 Airtable refused or was unreachable.
/// </summary>
public static class AirtableCli
{
    public const string Command = "dotnet run --project src/OperationCodeMentor -- airtable";

    public static async Task<int> RunAsync(IConfiguration configuration, IReadOnlyList<string> args, TextWriter output, CancellationToken ct = default)
    {
        // Settings may follow as --Airtable:BaseId=app… (the configuration has read them); the one bare word is the verb.
        var words = args.Where(a => !a.StartsWith('-')).ToList();
        var verb = words.Count == 1 ? words[0] : null;
        if (verb is not ("check" or "init"))
        {
            await output.WriteLineAsync($"Usage: {Command} check   shows every field the bot uses, its type, and what is missing\n       {Command} init    creates what is missing").ConfigureAwait(false);
            return 2;
        }

        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddAirtableStore();
        await using var provider = services.BuildServiceProvider();
        AirtableOptions airtable;
        try
        {
            airtable = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AirtableOptions>>().Value;
            _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AirtableStoreOptions>>().Value;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await output.WriteLineAsync(string.Join(Environment.NewLine, e.Failures)).ConfigureAwait(false);
            return 2;
        }
        if (!airtable.IsConfigured)
        {
            await output.WriteLineAsync("Set Airtable:ApiKey (AIRTABLE_API_KEY) and Airtable:BaseId (AIRTABLE_BASE_ID) first; README: Airtable.").ConfigureAwait(false);
            return 2;
        }

        var setup = provider.GetRequiredService<AirtableSchemaSetup>();
        try
        {
            if (verb == "init")
            {
                var done = await setup.InitAsync(ct).ConfigureAwait(false);
                foreach (var line in done) await output.WriteLineAsync(line).ConfigureAwait(false);
                if (done.Count == 0) await output.WriteLineAsync("Nothing to create.").ConfigureAwait(false);
            }
            var layout = await setup.CheckAsync(ct).ConfigureAwait(false);
            await output.WriteLineAsync(Table(layout.Rows)).ConfigureAwait(false);
            await output.WriteLineAsync(layout.Problems.Count == 0
                ? $"Airtable base {airtable.BaseId} has every table and field the bot uses, in types it can use."
                : Report(airtable.BaseId!, layout.Problems)).ConfigureAwait(false);
            return layout.Problems.Count == 0 ? 0 : 1;
        }
        catch (AirtableException e)
        {
            await output.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 3;
        }
    }

    /// <summary>Every field the bot uses as a text table: where it is, its type in the base, how the bot uses it, what is missing.</summary>
    public static string Table(IReadOnlyList<AirtableCheckRow> rows)
    {
        string[] header = ["table", "field", "type found", "how the bot uses it", "missing"];
        var cells = rows.Select(r => new[] { r.Table, r.Field, r.Found, r.Use, r.Missing }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        string Line(string[] c) => string.Join("  ", c.Select((text, i) => text.PadRight(widths[i]))).TrimEnd();
        var lines = cells.Select(Line).ToList();
        lines.Insert(1, string.Join("  ", widths.Select(w => new string('-', w))));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The list of problems, and what to do about them; also the message the bot refuses to start with.</summary>
    public static string Report(string baseId, IReadOnlyList<SchemaProblem> problems)
    {
        var lines = new List<string> { $"Airtable base {baseId} is not ready for the bot ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):" };
        lines.AddRange(problems.Select(p => "  - " + p.Message));
        if (problems.Any(p => p.Creatable))
            lines.Add($"Run `{Command} init` to create the missing tables and fields, or set Airtable:Tables:* / Airtable:Fields:* to the names your base uses.");
        lines.Add($"`{Command} check` shows every field the bot uses, the type it found, and how the bot uses it.");
        return string.Join(Environment.NewLine, lines);
    }
}
