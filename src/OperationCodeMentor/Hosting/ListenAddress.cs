namespace OperationCodeMentor.Hosting;

/// <summary>
/// Where the bot listens, in the order platforms expect: an address given explicitly (<c>--urls</c>, the <c>Urls</c>
/// setting or <c>ASPNETCORE_URLS</c>), then <c>ASPNETCORE_HTTP_PORTS</c> (both read by ASP.NET itself), then
/// <c>PORT</c> (what most hosting platforms hand out), then port 3000 on every interface.
/// </summary>
public static class ListenAddress
{
    public const int DefaultPort = 3000;

    /// <summary>The address to set, or null when ASP.NET's own settings already say where to listen.</summary>
    public static string? Choose(IConfiguration configuration, string? port)
    {
        if (!string.IsNullOrWhiteSpace(configuration["urls"]) || !string.IsNullOrWhiteSpace(configuration["http_ports"])
            || !string.IsNullOrWhiteSpace(configuration["https_ports"])) return null;
        if (string.IsNullOrWhiteSpace(port)) return $"http://0.0.0.0:{DefaultPort}";
        if (!int.TryParse(port.Trim(), out var n) || n is < 1 or > 65535)
            throw new StartupException($"PORT is '{port}', which is not a port number; set it to a number from 1 to 65535, or unset it to listen on {DefaultPort}.");
        return $"http://0.0.0.0:{n}";
    }
}
