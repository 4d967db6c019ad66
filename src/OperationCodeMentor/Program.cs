using OperationCodeMentor.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentAliases();

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
