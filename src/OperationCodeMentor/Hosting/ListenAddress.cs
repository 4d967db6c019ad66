namespace OperationCodeMentor.Hosting;

/// <summary>
/// Where the bot listens, in the order platforms expect: an address given explicitly (<c>--urls</c>, the <c>Urls</c>
/// setting or <c>ASPNETCORE_URLS</c>), then <c>ASPNETCORE_HTTP_PORTS</c> (both read by ASP.NET itself), then
/// <c>PORT</c> (what most hosting platforms hand out), then port 3000 on every interface.
/// </summary>
public static class ListenAddress
{
    public const int DefaultPort = 3000;

    /// <summary>
    /// The addresses to set, or null when ASP.NET's own settings already say where to listen. With
    /// <paramref name="metricsPort"/> (<c>Metrics:Port</c>), every interface on that port too, beside the bot's own
    /// addresses whichever setting gave them.
    /// </summary>
    public static string? Choose(IConfiguration configuration, string? port, int? metricsPort)
    {
        var own = Choose(configuration, port);
        if (metricsPort is not { } metrics) return own;
        var addresses = own is not null ? [own] : Given(configuration);
        foreach (var address in addresses)
            if (PortOf(address) == metrics)
                throw new StartupException(
                    $"Metrics:Port is {metrics}, a port the bot already serves Slack on ({address}); choose another port for the metrics (9464 is usual), or remove Metrics:Port.");
        return string.Join(';', [.. addresses, AnyInterface(metrics)]);
    }

    /// <summary>
    /// Every interface, IPv6 and IPv4 alike (Kestrel listens on <c>[::]</c> taking both, or on IPv4 alone where the machine
    /// has no IPv6): platforms whose private network is IPv6 only reach the bot as well as those on IPv4.
    /// </summary>
    private static string AnyInterface(int port) => $"http://*:{port}";

    /// <summary>The addresses ASP.NET's own settings give, in its order: <c>urls</c>, else the HTTP and HTTPS ports on every interface.</summary>
    private static List<string> Given(IConfiguration configuration)
    {
        static IEnumerable<string> Split(string? value) => (value ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!string.IsNullOrWhiteSpace(configuration["urls"])) return [.. Split(configuration["urls"])];
        return [.. Split(configuration["http_ports"]).Select(p => $"http://*:{p}"), .. Split(configuration["https_ports"]).Select(p => $"https://*:{p}")];
    }

    private static int? PortOf(string address)
    {
        try
        {
            return Microsoft.AspNetCore.Http.BindingAddress.Parse(address).Port;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The bot's own address to set, or null when ASP.NET's own settings already say where to listen.</summary>
    private static string? Choose(IConfiguration configuration, string? port)
    {
        if (!string.IsNullOrWhiteSpace(configuration["urls"]) || !string.IsNullOrWhiteSpace(configuration["http_ports"])
            || !string.IsNullOrWhiteSpace(configuration["https_ports"])) return null;
        if (string.IsNullOrWhiteSpace(port)) return AnyInterface(DefaultPort);
        if (!int.TryParse(port.Trim(), out var n) || n is < 1 or > 65535)
            throw new StartupException($"PORT is '{port}', which is not a port number; set it to a number from 1 to 65535, or unset it to listen on {DefaultPort}.");
        return AnyInterface(n);
    }
}
