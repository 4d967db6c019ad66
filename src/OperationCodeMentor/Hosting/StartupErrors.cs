using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Hosting;

public static class StartupErrors
{
    /// <summary>Every configuration failure inside <paramref name="e"/> (options validation may aggregate several).</summary>
    public static IReadOnlyList<string> ConfigurationFailures(Exception e) => e switch
    {
        OptionsValidationException o => o.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(ConfigurationFailures).ToList(),
        _ => [],
    };
}
