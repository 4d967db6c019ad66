using OperationCodeMentor.Features.Health;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage.Airtable;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentAliases();
if (args is ["airtable", ..]) return await AirtableCli.RunAsync(builder.Configuration, args[1..], Console.Out);

builder.Services
    .AddMentorshipOptions(builder.Configuration)
    .AddSlack()
    .AddMentorshipStore()
    .AddMentorshipFeatures();

var app = builder.Build();
app.MapSlackEndpoints();
app.MapHealth();
app.MapGet("/", () => "Operation Code mentorship bot. Slack talks to /slack/commands, /slack/interactions and /slack/events; health at /healthz.");
app.Run();
return 0;

/// <summary>Exposed so tests can host the real app.</summary>
public partial class Program;
