using OperationCodeMentor.Features.Health;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Slack;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentAliases();

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

/// <summary>Exposed so tests can host the real app.</summary>
public partial class Program;
