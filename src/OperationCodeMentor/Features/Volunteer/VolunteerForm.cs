using System.Globalization;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary>What the mentor submitted, before it is checked.</summary>
public sealed partial record VolunteerForm(IReadOnlyList<string> Skills, string? Bio, string? MaxMenteesText, string? TimeZone)
{
    public const int MinMentees = 1;
    public const int MaxMentees = 10;
    public const int MaxBio = 1000;
    public const int MaxTimeZone = 64;

    /// <summary>The agreements ticked (<see cref="VolunteerModal.CodeOfConduct"/>, <see cref="VolunteerModal.Guidebook"/>).</summary>
    public IReadOnlyList<string> Agreed { get; init; } = [];

    public int? MaxMenteesValue =>
        int.TryParse(MaxMenteesText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static bool IsTimeZone(string tz) => TimeZonePattern().IsMatch(tz);

    [GeneratedRegex(@"^(?:[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}|(?:UTC|GMT)(?:[+-]\d{1,2}(?::\d{2})?)?)$")]
    private static partial Regex TimeZonePattern();
}

/// <summary>
/// Checks a mentor's form against the option lists and the agreements the form asked for. One instance serves every
/// check, with the lists and the agreements passed with each (<see cref="FormLists"/>).
/// </summary>
public sealed class VolunteerFormValidator : AbstractValidator<VolunteerForm>
{
    private const string RequiredKey = "required";
    private static readonly VolunteerFormValidator Instance = new();

    /// <param name="required">The agreements the form asked for, each of which must be ticked.</param>
    public static Task<ValidationResult> CheckAsync(VolunteerForm form, OptionLists options, IReadOnlyCollection<string>? required = null,
        CancellationToken ct = default)
    {
        var context = FormLists.With(form, options);
        context.RootContextData[RequiredKey] = required ?? [];
        return Instance.ValidateAsync(context, ct);
    }

    private VolunteerFormValidator()
    {
        RuleFor(f => f.Agreed).Custom((agreed, c) =>
        {
            var required = (IReadOnlyCollection<string>)c.RootContextData[RequiredKey];
            if (required.All(agreed.Contains)) return;
            c.AddFailure(VolunteerModal.AgreementsBlock, required.Count > 1
                ? "Please tick both boxes: mentors accept the Code of Conduct and read the guidebook before they start."
                : required.Contains(VolunteerModal.CodeOfConduct)
                    ? "Please tick the box: mentors accept the Code of Conduct before they start."
                    : "Please tick the box: mentors read the guidebook before they start.");
        });
        RuleFor(f => f.Skills)
            .NotEmpty().WithMessage("Choose at least one skill you can help with.")
            .Must((_, s, c) => s.All(FormLists.Of(c).Skillsets.Contains))
            .WithMessage("One of those skills is no longer listed; please choose again.")
            .OverridePropertyName(VolunteerModal.SkillsBlock);
        RuleFor(f => f.MaxMenteesValue)
            .NotNull().WithMessage("Enter a whole number of mentees.")
            .InclusiveBetween(VolunteerForm.MinMentees, VolunteerForm.MaxMentees)
            .WithMessage($"Choose between {VolunteerForm.MinMentees} and {VolunteerForm.MaxMentees} mentees at once.")
            .OverridePropertyName(VolunteerModal.MaxMenteesBlock);
        RuleFor(f => (f.Bio ?? "").Trim())
            .MaximumLength(VolunteerForm.MaxBio).WithMessage($"Please keep your bio under {VolunteerForm.MaxBio} characters.")
            .OverridePropertyName(VolunteerModal.BioBlock);
        RuleFor(f => f.TimeZone!.Trim())
            .Must(VolunteerForm.IsTimeZone).WithMessage("Use a time zone name such as America/Chicago, or an offset such as UTC-5.")
            .When(f => !string.IsNullOrWhiteSpace(f.TimeZone))
            .OverridePropertyName(VolunteerModal.TimeZoneBlock);
    }
}
