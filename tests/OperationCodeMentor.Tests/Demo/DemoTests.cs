using System.Text.RegularExpressions;
using OperationCodeMentor.Tests.Fakes;
using DemoCommand = OperationCodeMentor.Demo.Demo;

namespace OperationCodeMentor.Tests.Demo;

public partial class DemoTests
{
    [Fact]
    public async Task RunAsync_TellsTheWholeStoryInOrder_WithPeopleByName_AndLeavesNothingBehind()
    {
        var output = new StringWriter();

        var exit = await DemoCommand.RunAsync(output, colour: true).WaitAsync(TimeSpan.FromMinutes(2));

        var coloured = output.ToString();
        Assert.Contains("\e[", coloured);
        var text = Ansi().Replace(coloured, "");
        Assert.True(exit == 0, text);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        // The story's key moments, in the order they happen.
        var mentions = IndexOf(lines, 0, l => l.Contains("Matching mentors:") && l.Contains("@Maria") && l.Contains("@Dev"));
        var claimDm = IndexOf(lines, mentions, l => l.Contains("You claimed mentorship request *R-1001*"));
        var winner = Regex.Match(lines[claimDm - 1], @"DM from the bot to @(\w+):").Groups[1].Value;
        Assert.Contains(winner, new[] { "Maria", "Dev" });
        var loser = winner == "Maria" ? "Dev" : "Maria";
        var alreadyClaimed = IndexOf(lines, mentions, l => l.Contains($"R-1001 was already claimed by @{winner}."));
        Assert.Equal($"  #mentors-internal, only @{loser} sees this:", lines[alreadyClaimed - 1]);
        var bump = IndexOf(lines, Math.Max(claimDm, alreadyClaimed), l => l.Contains("*R-1002* is still waiting for a mentor, 1 day. @Dev"));
        var notice = IndexOf(lines, bump, l => l.Contains("*R-1002* from @Alex has waited 3 days and nobody has claimed it yet"));
        Assert.Equal("  DM from the bot to @Jordan:", lines[notice - 1]);
        var escalation = IndexOf(lines, notice, l => l.Contains("*Escalation: R-1002* from @Alex has waited 10 days without a mentor"));
        Assert.Equal("  DM from the bot to @Casey:", lines[escalation - 1]);
        var intro = IndexOf(lines, mentions, l => l.Contains($"@Sam, meet @{winner}, your mentor for *R-1001*"));
        Assert.Equal($"  group DM of the bot with @{winner} and @Sam:", lines[intro - 1]);
        var timeSet = IndexOf(lines, escalation, l => l.Contains("@Sam set the session time for *R-1001*"));
        var reminder = IndexOf(lines, timeSet, l => l.Contains($"Reminder: @{winner} and @Sam, your mentorship session for *R-1001*") && l.Contains("18:00 UTC"));
        var done = IndexOf(lines, reminder, l => l.Contains($"> {winner} (mentor)") && l.Contains("presses Session done"));
        var form = IndexOf(lines, done, l => l.Contains($"a form opens for @{winner}:"));
        var goals = IndexOf(lines, form, l => l.Contains("Your goals from today's session with @" + winner));
        Assert.Equal("  DM from the bot to @Sam:", lines[goals - 1]);
        IndexOf(lines, form, l => l.Contains("Your report on R-1001 is filed and the session marked done; only the coordinators see it."));
        var answer = IndexOf(lines, done, l => l == "> Sam (mentee) answers: It helped");
        IndexOf(lines, answer, l => l.Contains("Wonderful, thank you for telling us!"));
        var rated = IndexOf(lines, answer, l => l == "> Sam (mentee) gives it 5 and presses Send rating");
        IndexOf(lines, rated, l => l.Contains("Thank you for rating R-1001 (5/5)!"));
        // The private part of the report never reaches Sam: it is shown only where the mentor typed it.
        Assert.DoesNotContain(lines.Skip(goals).TakeWhile(l => !l.StartsWith('>')), l => l.Contains("job hunting"));

        // Exactly one winner, however the race went.
        Assert.Single(lines, l => l.Contains("You claimed mentorship request"));
        Assert.Single(lines, l => l.Contains("was already claimed by"));

        // Mentions read as names, never as Slack IDs.
        Assert.DoesNotMatch(@"U0(MARIA|DEV|SAM|ALEX|JORDAN|CASEY)", text);
        Assert.DoesNotContain("<@", text);

        Assert.StartsWith(DemoCommand.ShownPrefix, lines.Last(l => l.Length > 0));
        var folder = Regex.Match(text, @"throwaway database in (\S+), now deleted").Groups[1].Value;
        Assert.NotEmpty(folder);
        Assert.False(Directory.Exists(folder), $"{folder} is still there");
    }

    [Fact]
    public async Task TheBuiltBot_WithDemoArgument_RunsTheStoryAndExitsZero_WhateverTheMachineIsConfiguredWith()
    {
        // Settings that would break the demo if it read them: a real-looking token, an unreachable Slack, an unusable database path.
        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["SLACK_BOT_TOKEN"] = "xoxb-not-for-the-demo",
            ["Slack__ApiBaseUrl"] = "http://127.0.0.1:9/api/",
            ["Storage__SqlitePath"] = "/proc/no-such-place/mentorship.db",
            ["NO_COLOR"] = null,
        }, TimeSpan.FromMinutes(2), "demo");

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        var last = stdout.Split('\n').Select(l => l.TrimEnd('\r')).Last(l => l.Length > 0);
        Assert.StartsWith(DemoCommand.ShownPrefix, last);
        Assert.Contains("was escalated after 10", last);
        // Redirected output gets no colour codes.
        Assert.DoesNotContain("\e[", stdout);
    }

    private static int IndexOf(List<string> lines, int after, Func<string, bool> match)
    {
        for (var i = after + 1; i < lines.Count; i++)
            if (match(lines[i])) return i;
        Assert.Fail($"Expected a matching line after line {after}: {lines.ElementAtOrDefault(after)}");
        return -1;
    }

    [GeneratedRegex(@"\e\[[0-9;]*m")]
    private static partial Regex Ansi();
}
