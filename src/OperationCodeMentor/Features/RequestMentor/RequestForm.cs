using FluentValidation;
using FluentValidation.Results;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>What the mentee submitted, before it is checked.</summary>
public sealed record RequestForm(string? Service, IReadOnlyList<string> Skills, string? Details, string? Affiliation)
{
    /// <summary>The mentor the mentee would like (optional): checked against the enrolled mentors on submission.</summary>
    public string? PreferredMentor { get; init; }

    public const int MaxSkills = 5;
    public const int MinDetails = 10;
    public const int MaxDetails = 3000;
}

/// <summary>
/// Checks a request against the option lists of the moment; each message names what to fix. One instance serves every
/// check, the lists passed with each (<see cref="FormLists"/>).
/// </summary>
public sealed class RequestFormValidator : AbstractValidator<RequestForm>
{
    private static readonly RequestFormValidator Instance = new();

    public static Task<ValidationResult> CheckAsync(RequestForm form, OptionLists options, CancellationToken ct = default) =>
        Instance.ValidateAsync(FormLists.With(form, options), ct);

    private RequestFormValidator()
    {
        RuleFor(f => f.Service)
            .NotEmpty().WithMessage("Choose the kind of help you'd like.")
            .Must((_, s, c) => FormLists.Of(c).Services.Contains(s!)).When(f => !string.IsNullOrEmpty(f.Service), ApplyConditionTo.CurrentValidator)
            .WithMessage("That service is no longer offered; please choose another.")
            .OverridePropertyName(RequestModal.ServiceBlock);
        RuleFor(f => f.Skills)
            .NotEmpty().WithMessage("Choose at least one skill.")
            .Must(s => s.Count <= RequestForm.MaxSkills).WithMessage($"Choose at most {RequestForm.MaxSkills} skills.")
            .Must((_, s, c) => s.All(FormLists.Of(c).Skillsets.Contains)).WithMessage("One of those skills is no longer listed; please choose again.")
            .OverridePropertyName(RequestModal.SkillsBlock);
        RuleFor(f => (f.Details ?? "").Trim())
            .NotEmpty().WithMessage("Please describe what you'd like help with.")
            .MinimumLength(RequestForm.MinDetails).WithMessage($"Please write at least {RequestForm.MinDetails} characters so a mentor knows how to help.")
            .MaximumLength(RequestForm.MaxDetails).WithMessage($"Please keep it under {RequestForm.MaxDetails} characters.")
            .OverridePropertyName(RequestModal.DetailsBlock);
        RuleFor(f => f.Affiliation)
            .NotEmpty().WithMessage("Choose your affiliation.")
            .Must((_, a, c) => FormLists.Of(c).Affiliations.Contains(a!)).When(f => !string.IsNullOrEmpty(f.Affiliation), ApplyConditionTo.CurrentValidator)
            .WithMessage("That affiliation is no longer listed; please choose another.")
            .OverridePropertyName(RequestModal.AffiliationBlock);
    }
}
