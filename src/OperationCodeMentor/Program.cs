using OperationCodeMentor.Features.Health;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage.Airtable;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentAliases();
if (args is ["airtable", ..]) return await AirtableCli.RunAsync(builder.Configuration, args[1..], Console.Out);

builder.Services
    .AddMentorshipOptions(builder.Configuration)
    .AddSlack()
    .AddMentorshipStore()
    .AddMentorshipFeatures()
    .AddCoordination(builder.Configuration)
    .AddFollowUps(builder.Configuration)
    .AddReliability(builder.Configuration);

var app = builder.Build();
app.MapSlackEndpoints();
app.MapHealth();
app.MapGet("/", () => "Operation Code mentorship bot. Slack talks to /slack/commands, /slack/interactions and /slack/events; health at /healthz.");
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
