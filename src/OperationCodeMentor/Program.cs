using OperationCodeMentor.Demo;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage.Airtable;

// The demo hosts its own copy of the bot against a stand-in Slack; it ignores this machine's configuration.
if (args is ["demo", ..]) return await Demo.RunAsync(Console.Out, Demo.ColourWanted());

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentAliases();
if (args is ["airtable", ..]) return await AirtableCli.RunAsync(builder.Configuration, args[1..], Console.Out);

builder.Services.AddMentorBot(builder.Configuration);

var app = builder.Build();
app.MapMentorBot();

try
{
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupErrors.ConfigurationFailures(e) is { Count: > 0 } failures)
{
    // A configuration mistake deserves a sentence naming the key, not a stack trace.
    await Console.Error.WriteLineAsync("The bot cannot start because of its configuration:");
    foreach (var failure in failures) await Console.Error.WriteLineAsync(" - " + failure);
    await Console.Error.WriteLineAsync("See README.md, section Configuration.");
    return 1;
}

/// <summary>Exposed so tests can host the real app.</summary>
public partial class Program;
