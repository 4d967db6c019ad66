using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>The modal a mentee fills in after typing <c>/mentor</c>.</summary>
public static class RequestModal
{
    public const string CallbackId = "mentor_request_modal";
    public const string ServiceBlock = "service";
    public const string SkillsBlock = "skills";
    public const string DetailsBlock = "details";
    public const string AffiliationBlock = "affiliation";
    public const string MentorBlock = "preferred_mentor";
    public const string ValueAction = "value";

    /// <param name="prefill">A follow-up with the same mentor: that mentor chosen, and the earlier request's service and skills.</param>
    public static JsonObject Build(OptionLists options, Prefill? prefill = null) => BlockKit.Modal(CallbackId, "Request a mentor",
    [
        BlockKit.Section("Tell us what you'd like help with. We'll share it with mentors who have those skills, and one of them will reach out to set up a 30-minute session."),
        BlockKit.Input(ServiceBlock, "What kind of help?", BlockKit.StaticSelect(ValueAction, "Choose a service", options.Services,
            prefill?.Service)),
        BlockKit.Input(SkillsBlock, "Skills you'd like help with",
            BlockKit.MultiStaticSelect(ValueAction, "Choose 1 to 5 skills", options.Skillsets, prefill?.Skills.Take(RequestForm.MaxSkills), maxSelected: RequestForm.MaxSkills),
            hint: "Pick up to 5; mentors who list them are notified."),
        BlockKit.Input(DetailsBlock, "Details",
            BlockKit.TextInput(ValueAction, "What are you working on, where are you stuck, what would a good session look like?",
                multiline: true, minLength: RequestForm.MinDetails, maxLength: RequestForm.MaxDetails),
            hint: "The more specific, the easier it is for the right mentor to say yes."),
        BlockKit.Input(AffiliationBlock, "Your affiliation", BlockKit.StaticSelect(ValueAction, "Choose one", options.Affiliations)),
        BlockKit.Input(MentorBlock, "A mentor you'd like", MentorSelect(prefill?.Mentor), optional: true,
            hint: "Only mentors who have signed up. They're asked first; if they can't take it, it goes to all our mentors."),
    ], submit: "Send request");

    /// <summary>What a follow-up with the same mentor starts from.</summary>
    public sealed record Prefill(string Mentor, string? Service, IReadOnlyList<string> Skills);

    private static JsonObject MentorSelect(string? mentor)
    {
        var select = BlockKit.UsersSelect(ValueAction, "Anyone who fits (leave empty)");
        if (mentor is not null) select["initial_user"] = mentor;
        return select;
    }

    public static RequestForm Read(ViewState state) => new(
        state.Selected(ServiceBlock, ValueAction),
        state.SelectedMany(SkillsBlock, ValueAction),
        state.Text(DetailsBlock, ValueAction),
        state.Selected(AffiliationBlock, ValueAction))
    {
        PreferredMentor = state.Selected(MentorBlock, ValueAction),
    };
}
