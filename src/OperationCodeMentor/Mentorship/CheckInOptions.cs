using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Mentorship;

/// <summary>
/// The weekly mentor check-in and the mentors who have gone quiet, under <c>Mentorship:</c>. The check-in's time is read
/// in <c>Mentorship:TimeZone</c>, and both are held back by <c>Mentorship:Schedule:QuietHours</c> like every other message
/// the bot starts on its own.
/// </summary>
public sealed class CheckInOptions
{
    /// <summary>When mentors holding claims get their check-in DM: a day and a time such as <c>Friday 15:00</c>, or <c>off</c>. Default <c>Friday 15:00</c>.</summary>
    public string CheckIn { get; set; } = "Friday 15:00";

    /// <summary>Requests in a row a mentor may be mentioned on without claiming one before they are asked "still up for mentoring?". Default 5; 0 turns it off.</summary>
    public int QuietMentorMentions { get; set; } = QuietRules.Default.Mentions;

    /// <summary>How long a mentor has to answer before they are paused. Default 7 days.</summary>
    public TimeSpan QuietMentorAnswerWithin { get; set; } = QuietRules.Default.AnswerWithin;

    /// <summary>How often the bot looks for mentors who have gone quiet. Default 1 hour.</summary>
    public TimeSpan QuietMentorCheckEvery { get; set; } = TimeSpan.FromHours(1);

    public QuietRules Quiet => new(QuietMentorMentions, QuietMentorAnswerWithin);

    /// <summary>The check-in's weekly time, or null when it is off.</summary>
    public WeeklyTime? CheckInTime => WeeklyTime.TryParse(CheckIn, out var t) ? t : null;
}

internal sealed class CheckInOptionsValidator : IValidateOptions<CheckInOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckInOptions o)
    {
        var errors = new List<string>();
        if (!WeeklyTime.TryParse(o.CheckIn, out _) && !WeeklyTime.IsOff(o.CheckIn))
            errors.Add($"Mentorship:CheckIn must be a day and a time such as 'Friday 15:00', or 'off'; got '{o.CheckIn}'.");
        if (o.QuietMentorMentions is < 0 or > 100)
            errors.Add($"Mentorship:QuietMentorMentions must be between 0 (off) and 100; got {o.QuietMentorMentions}.");
        if (o.QuietMentorAnswerWithin < TimeSpan.FromMinutes(1) || o.QuietMentorAnswerWithin > TimeSpan.FromDays(60))
            errors.Add($"Mentorship:QuietMentorAnswerWithin must be a duration between 00:01:00 and 60.00:00:00 such as 7.00:00:00 (7 days); got {o.QuietMentorAnswerWithin}.");
        if (o.QuietMentorCheckEvery < TimeSpan.FromSeconds(1) || o.QuietMentorCheckEvery > TimeSpan.FromDays(1))
            errors.Add($"Mentorship:QuietMentorCheckEvery must be between 00:00:01 and 1.00:00:00; got {o.QuietMentorCheckEvery}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class CheckInOptionsRegistration
{
    public static IServiceCollection AddCheckInOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<CheckInOptions>))) return services;
        services.AddOptions<CheckInOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CheckInOptions>, CheckInOptionsValidator>();
        return services;
    }
}
