using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary>The modal a mentor fills in with <c>/mentor-volunteer</c>, pre-filled when they are enrolled.</summary>
public static class VolunteerModal
{
    public const string CallbackId = "mentor_volunteer_modal";
    public const string SkillsBlock = "skills";
    public const string BioBlock = "bio";
    public const string MaxMenteesBlock = "max_mentees";
    public const string TimeZoneBlock = "time_zone";
    public const string AgreementsBlock = "agreements";
    public const string CodeOfConduct = "code_of_conduct";
    public const string Guidebook = "guidebook";
    public const string ValueAction = "value";

    /// <summary>What enrolment asks the mentor to accept: each of the Code of Conduct and the guidebook whose address is configured.</summary>
    public static IReadOnlyList<(string Value, string Mrkdwn)> Agreements(MentorshipOptions o)
    {
        var list = new List<(string, string)>();
        if (!string.IsNullOrWhiteSpace(o.CodeOfConductUrl)) list.Add((CodeOfConduct, $"I accept the <{o.CodeOfConductUrl.Trim()}|Code of Conduct>"));
        if (!string.IsNullOrWhiteSpace(o.GuidebookUrl)) list.Add((Guidebook, $"I have read the <{o.GuidebookUrl.Trim()}|mentor guidebook>"));
        return list;
    }

    public static JsonObject Build(OptionLists options, Mentor? current, int defaultMaxMentees,
        IReadOnlyList<(string Value, string Mrkdwn)>? agreements = null) => BlockKit.Modal(CallbackId, "Volunteer to mentor",
    [
        BlockKit.Section(current is null
            ? "Thanks for offering your time! Tell us what you can help with; you'll be @mentioned in the mentors channel when a request matches."
            : "Update what you can help with. Your changes apply to the next request."),
        BlockKit.Input(SkillsBlock, "Skills you can mentor",
            BlockKit.MultiStaticSelect(ValueAction, "Choose your skills", options.Skillsets, current?.Skills)),
        BlockKit.Input(MaxMenteesBlock, "How many mentees at once?",
            BlockKit.NumberInput(ValueAction, VolunteerForm.MinMentees, VolunteerForm.MaxMentees, current?.MaxMentees ?? defaultMaxMentees),
            hint: "You won't be mentioned for new requests while you hold this many."),
        BlockKit.Input(BioBlock, "A short bio",
            BlockKit.TextInput(ValueAction, "Your background, and what you enjoy helping with", multiline: true,
                maxLength: VolunteerForm.MaxBio, initial: current?.Bio),
            optional: true),
        BlockKit.Input(TimeZoneBlock, "Time zone",
            BlockKit.TextInput(ValueAction, "e.g. America/New_York", maxLength: VolunteerForm.MaxTimeZone, initial: current?.TimeZone),
            optional: true),
        .. (agreements is { Count: > 0 }
            ? [BlockKit.Input(AgreementsBlock, "Before you start", BlockKit.Checkboxes(ValueAction, agreements, Ticked(current)))]
            : Array.Empty<JsonObject>()),
    ], submit: current is null ? "Enrol" : "Save");

    private static IEnumerable<string> Ticked(Mentor? m) =>
        m is null ? [] : new[] { m.Standing.CodeOfConductAccepted ? CodeOfConduct : null, m.Standing.GuidebookRead ? Guidebook : null }.OfType<string>();

    public static VolunteerForm Read(ViewState state) => new(
        state.SelectedMany(SkillsBlock, ValueAction),
        state.Text(BioBlock, ValueAction),
        state.Text(MaxMenteesBlock, ValueAction),
        state.Text(TimeZoneBlock, ValueAction))
    {
        Agreed = state.SelectedMany(AgreementsBlock, ValueAction),
    };
}
