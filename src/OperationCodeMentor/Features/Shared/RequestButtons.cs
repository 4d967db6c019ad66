using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The buttons that appear on the messages several features send (the channel card, the follow-up DMs, App Home), and
/// their action IDs. Each ID is handled by one feature, whose handler names it as its own (<c>ClaimAction.Id</c> is
/// <see cref="Claim"/>); they are declared here so the messages can carry them without depending on that feature. Every
/// button's value is the request's reference.
/// </summary>
public static class RequestButtons
{
    public const string Claim = "claim_request";
    public const string Release = "release_request";
    public const string SessionDone = "session_done";
    public const string Cancel = "cancel_request";
    public const string FeedbackHelped = "feedback_helped";
    public const string FeedbackAnotherMentor = "feedback_another_mentor";
    public const string Assign = "admin_assign";
    public const string AskDetails = "admin_ask_details";
    public const string Close = "admin_close";
    public const string QueuePage = "admin_open_page";
    public const string SetTime = "session_set_time";
    public const string CantReach = "contact_cant_reach";
    public const string NoResponse = "contact_no_response";
    public const string Rate = "feedback_rate";
    public const string BookFollowUp = "feedback_book_follow_up";
    public const string Hold = "admin_hold";
    public const string EndHold = "admin_end_hold";
    public const string NotThisTime = "offer_not_this_time";

    /// <summary>The Claim button, on the card, on every bump in its thread, and on a mentor's App Home.</summary>
    public static JsonObject ClaimButton(MentorRequest r) => BlockKit.Button("Claim", Claim, r.Reference, "primary");

    /// <summary>The Release button, on a claimed card and wherever the claimer or a coordinator is asked about the claim.</summary>
    public static JsonObject ReleaseButton(MentorRequest r) => BlockKit.Button("Release", Release, r.Reference);

    public static JsonObject SessionDoneButton(MentorRequest r) => BlockKit.Button("Session done", SessionDone, r.Reference, "primary");

    /// <summary>The mentee's Cancel, on the confirmation of their request and on the updates about it.</summary>
    public static JsonObject CancelButton(string reference)
    {
        var button = BlockKit.Button("Cancel my request", Cancel, reference);
        button["confirm"] = BlockKit.Confirm("Cancel this request?", $"Mentors will no longer see {reference}. You can ask again any time with /mentor.", "Cancel it", "Keep it");
        return button;
    }

    /// <summary>The mentee's answers to "How did it go?": it helped, another mentor, and a 1–5 rating.</summary>
    public static JsonObject FeedbackActions(MentorRequest r) => BlockKit.Actions("feedback_actions",
        BlockKit.Button("It helped", FeedbackHelped, r.Reference, "primary"),
        BlockKit.Button("I'd like another mentor", FeedbackAnotherMentor, r.Reference),
        RateButton(r.Reference));

    /// <summary>"We've set a time", in the pair's shared conversation: opens the date and time pickers.</summary>
    public static JsonObject SetTimeButton(string reference) => BlockKit.Button("We've set a time", SetTime, reference, "primary");

    /// <summary>The mentor's "Can't reach them": records a contact attempt and nudges the mentee.</summary>
    public static JsonObject CantReachButton(string reference) => BlockKit.Button("Can't reach them", CantReach, reference);

    /// <summary>The mentor's "No response", offered once enough contact attempts have gone unanswered.</summary>
    public static JsonObject NoResponseButton(string reference) => BlockKit.Button("No response", NoResponse, reference, "danger");

    /// <summary>A coordinator's "Hold…": opens a date picker, then takes the request off every ladder until that day.</summary>
    public static JsonObject HoldButton(string reference) => BlockKit.Button("Hold…", Hold, reference);

    /// <summary>A coordinator's "End hold": the request is back on its ladder from now.</summary>
    public static JsonObject EndHoldButton(string reference) => BlockKit.Button("End hold", EndHold, reference, "primary");

    /// <summary>The named mentor's "Not this time", on the DM offering them a request first: it goes to the channel.</summary>
    public static JsonObject NotThisTimeButton(string reference) => BlockKit.Button("Not this time", NotThisTime, reference);

    /// <summary>The mentee's "Book a follow-up with …", after a session: opens /mentor's form with that mentor chosen.</summary>
    public static JsonObject BookFollowUpButton(string reference, string? mentorName) =>
        BlockKit.Button($"Book a follow-up with {mentorName ?? "your mentor"}", BookFollowUp, reference);

    /// <summary>The mentee's "Rate this session": opens the 1–5 rating with an optional comment.</summary>
    public static JsonObject RateButton(string reference) => BlockKit.Button("Rate this session", Rate, reference);
}
