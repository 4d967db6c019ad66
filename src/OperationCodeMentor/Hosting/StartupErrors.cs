using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// A start-up failure already put into words: one sentence naming the setting or resource and what to do about it.
/// Throw it from anything that runs at start-up (an <see cref="IStartupCheck"/>, a store opening its database, a
/// migration); Program prints the sentence alone and exits with code 1.
/// </summary>
public sealed class StartupException(string sentence, Exception? inner = null) : Exception(sentence, inner);

/// <summary>
/// Something that must hold before the bot takes traffic (the store opens, its schema is migrated). Every registered
/// check runs before the HTTP server listens; a failure should be a <see cref="StartupException"/>.
/// </summary>
public interface IStartupCheck
{
    Task CheckAsync(CancellationToken ct);
}

public static partial class StartupErrors
{
    /// <summary>Every configuration failure inside <paramref name="e"/> (options validation may aggregate several).</summary>
    public static IReadOnlyList<string> ConfigurationFailures(Exception e) => e switch
    {
        OptionsValidationException o => o.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(ConfigurationFailures).ToList(),
        InvalidOperationException i when Unparsable(i) is { } sentence => [sentence],
        _ => [],
    };

    /// <summary>
    /// The one line to print for a failed start, or null when nothing known explains it (the caller then says what
    /// it can). The sentence never carries a stack trace.
    /// </summary>
    public static string? Describe(Exception e)
    {
        if (ConfigurationFailures(e) is { Count: > 0 } failures)
            return "The bot cannot start because of its configuration: " + string.Join(" ", failures.Select(EndSentence))
                + " See README.md, section Configuration.";
        if (Find<StartupException>(e) is { } known) return "The bot cannot start: " + EndSentence(known.Message);
        if (Find<AddressInUseException>(e) is not null)
        {
            var address = AddressOf(e) ?? "its address";
            return $"The bot cannot start: another program is already listening on {address}; stop it, or choose another port "
                + "with PORT, ASPNETCORE_HTTP_PORTS or ASPNETCORE_URLS (see README.md, section Configuration).";
        }
        return null;
    }

    /// <summary>The line for a failure nothing above explains: its kind and message, and how to see more.</summary>
    public static string Unexplained(Exception e)
    {
        var root = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
        return $"The bot cannot start: {root.GetType().Name}: {OneLine(root.Message)} "
            + "(start it with Logging__LogLevel__Default=Debug to see the details).";
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t) return t;
            if (e is AggregateException a)
                foreach (var inner in a.InnerExceptions)
                    if (Find<T>(inner) is { } found) return found;
        }
        return null;
    }

    private static string? AddressOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (BindAddress().Match(e.Message) is { Success: true } m) return m.Groups[1].Value;
        return null;
    }

    /// <summary>The configuration binder's "Failed to convert configuration value 'x' at 'A:B' to type 'T'", in plain words.</summary>
    private static string? Unparsable(InvalidOperationException e)
    {
        if (ConversionFailure().Match(e.Message) is not { Success: true } m) return null;
        var (value, key, type) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        var expected = type switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
            "System.Double" or "System.Decimal" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:05:00 (hh:mm:ss) or 1.00:00:00 (d.hh:mm:ss)",
            "System.Uri" => "an absolute URL",
            _ => "a valid " + type.Split('.')[^1],
        };
        return $"{key} is '{value}', which is not {expected}; fix it or remove it to use the default.";
    }

    private static string EndSentence(string s)
    {
        s = OneLine(s).Trim();
        return s.EndsWith('.') || s.EndsWith('?') || s.EndsWith('!') ? s : s + ".";
    }

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [GeneratedRegex(@"Failed to convert configuration value '(.*)' at '([^']+)' to type '([^']+)'")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"Failed to bind to address (\S+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BindAddress();
}
