using System.Net.Http;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Sessions;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Sessions;

/// <summary>"We've set a time" as a person does it: the press (in the pair's group DM unless told), then the modal's submission.</summary>
internal static class SessionKit
{
    /// <summary>Presses "We've set a time" and returns the modal Slack was asked to open (null when none was).</summary>
    public static async Task<JsonObject?> OpenSessionTimeAsync(this MentorBot bot, MentorRequest r, string user, string? channel = null)
    {
        var before = bot.Slack.CallsTo("views.open").Count;
        var tracked = await bot.TrackedAsync(r);
        await bot.PressAsync(RequestButtons.SetTime, r.Reference, user, channel ?? tracked.Session.ConversationId ?? "D" + user);
        return bot.Slack.CallsTo("views.open").Skip(before).SingleOrDefault()?.Body["view"] as JsonObject;
    }

    /// <summary>Submits the modal <paramref name="view"/> with a date and a time as the pickers send them.</summary>
    public static Task<HttpResponseMessage> SubmitSessionTimeAsync(this MentorBot bot, JsonObject view, string user, string? date, string? time)
    {
        var payload = SlackRequests.ViewSubmission(SetTimeModal.CallbackId, user,
            (SetTimeModal.DateBlock, new SlackRequests.PickedDate(date)), (SetTimeModal.TimeBlock, new SlackRequests.PickedTime(time)));
        payload["view"]!["private_metadata"] = view["private_metadata"]!.ToString();
        return bot.SendAsync(bot.Requests.Interaction(payload));
    }

    /// <summary>Opens the modal and submits it; returns the acknowledgement (empty when the modal closed).</summary>
    public static async Task<JsonObject> SetSessionTimeAsync(this MentorBot bot, MentorRequest r, string user, string? date, string? time, string? channel = null)
    {
        var view = await bot.OpenSessionTimeAsync(r, user, channel);
        Assert.NotNull(view);
        return await (await bot.SubmitSessionTimeAsync(view, user, date, time)).AckAsync();
    }

    /// <summary>The input's element in a modal, by block.</summary>
    public static JsonObject Element(JsonObject view, string blockId) =>
        (JsonObject)view["blocks"]!.AsArray().OfType<JsonObject>().Single(b => b["block_id"]?.ToString() == blockId)["element"]!;
}
