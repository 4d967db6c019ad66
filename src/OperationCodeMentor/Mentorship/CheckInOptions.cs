using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Mentorship;

/// <summary>
/// The weekly mentor check-in, under <c>Mentorship:</c>: when it goes out, read in <c>Mentorship:TimeZone</c> and held
/// back by <c>Mentorship:Schedule:QuietHours</c> like every other message the bot starts on its own.
/// </summary>
public sealed class CheckInOptions
{
    /// <summary>When mentors holding claims get their check-in DM: a day and a time such as <c>Friday 15:00</c>, or <c>off</c>. Default <c>Friday 15:00</c>.</summary>
    public string CheckIn { get; set; } = "Friday 15:00";

    /// <summary>The check-in's weekly time, or null when it is off.</summary>
    public WeeklyTime? CheckInTime => WeeklyTime.TryParse(CheckIn, out var t) ? t : null;
}

internal sealed class CheckInOptionsValidator : IValidateOptions<CheckInOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckInOptions o) =>
        WeeklyTime.TryParse(o.CheckIn, out _) || WeeklyTime.IsOff(o.CheckIn)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Mentorship:CheckIn must be a day and a time such as 'Friday 15:00', or 'off'; got '{o.CheckIn}'.");
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
