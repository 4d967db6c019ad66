using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Mentorship;

/// <summary>
/// The coordination settings under <c>Mentorship:</c> (request limits, the weekly digest and the program's time zone).
/// Bound from the same section as <see cref="MentorshipOptions"/>, kept in their own class so each area validates its own keys.
/// This is the one reader of <c>Mentorship:TimeZone</c>: the digest, the limits' dates and the follow-ups' quiet hours all use <see cref="Zone"/>.
/// </summary>
public sealed class CoordinationOptions
{
    /// <summary>Requests a mentee may have waiting for a mentor at once. Default 1; 0 turns the limit off.</summary>
    public int MaxOpenRequestsPerMentee { get; set; } = 1;

    /// <summary>Requests a mentee may send in any 30 days. Default 3; 0 turns the limit off.</summary>
    public int MaxRequestsPer30Days { get; set; } = 3;

    /// <summary>When coordinators get the weekly digest DM: a day and a time such as <c>Monday 09:00</c>, or <c>off</c>. Default <c>Monday 09:00</c>.</summary>
    public string Digest { get; set; } = "Monday 09:00";

    /// <summary>The program's time zone, for the digest time, dates shown to mentees and quiet hours: an IANA name such as <c>America/New_York</c>. Default <c>UTC</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>The digest's weekly time, or null when the digest is off.</summary>
    public WeeklyTime? DigestTime => WeeklyTime.TryParse(Digest, out var t) ? t : null;
}

public static class CoordinationOptionsRegistration
{
    /// <summary>
    /// Binds <see cref="CoordinationOptions"/> once, however many areas ask: the follow-up ladder reads the program's time
    /// zone from it too, and may be composed without the rest of coordination (the sweep benchmark is).
    /// </summary>
    public static IServiceCollection AddCoordinationOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<CoordinationOptions>))) return services;
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinationOptions>, CoordinationOptionsValidator>();
        return services;
    }
}

internal sealed class CoordinationOptionsValidator : IValidateOptions<CoordinationOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinationOptions o)
    {
        var errors = new List<string>();
        if (o.MaxOpenRequestsPerMentee is < 0 or > 20)
            errors.Add($"Mentorship:MaxOpenRequestsPerMentee must be between 0 (no limit) and 20; got {o.MaxOpenRequestsPerMentee}.");
        if (o.MaxRequestsPer30Days is < 0 or > 100)
            errors.Add($"Mentorship:MaxRequestsPer30Days must be between 0 (no limit) and 100; got {o.MaxRequestsPer30Days}.");
        if (!WeeklyTime.TryParse(o.Digest, out _) && !WeeklyTime.IsOff(o.Digest))
            errors.Add($"Mentorship:Digest must be a day and a time such as 'Monday 09:00', or 'off'; got '{o.Digest}'.");
        try
        {
            _ = o.Zone;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            errors.Add($"Mentorship:TimeZone must be a time zone name such as 'UTC' or 'America/New_York'; '{o.TimeZone}' is not one this machine knows.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
