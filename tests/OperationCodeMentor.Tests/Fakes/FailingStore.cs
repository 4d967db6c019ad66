using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Wraps the bot's real store so that the named methods throw, as a store that has gone away would; everything
/// else reaches the real store. For the paths that must tell a person their action did not go through.
/// </summary>
public class FailingStore : DispatchProxy
{
    private IMentorshipStore _inner = null!;
    private HashSet<string> _failing = [];
    private StoreOutage _outage = new();

    /// <summary>For <see cref="Fakes.MentorBot.StartAsync"/>'s <c>services</c>: the store's registration, wrapped.</summary>
    public static Action<IServiceCollection> Failing(params string[] methods) => Failing(new StoreOutage(), methods);

    /// <summary>The same, failing only while <paramref name="outage"/> says the store is down.</summary>
    public static Action<IServiceCollection> Failing(StoreOutage outage, params string[] methods) => services =>
    {
        var real = services.Last(d => d.ServiceType == typeof(IMentorshipStore));
        services.Remove(real);
        services.AddSingleton(sp =>
        {
            var inner = (IMentorshipStore)(real.ImplementationInstance ?? real.ImplementationFactory!(sp));
            var proxy = Create<IMentorshipStore, FailingStore>();
            var self = (FailingStore)(object)proxy;
            self._inner = inner;
            self._failing = [.. methods];
            self._outage = outage;
            return proxy;
        });
    };

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (_outage.Down && _failing.Contains(targetMethod!.Name)) throw new IOException($"The store is unavailable ({targetMethod.Name}).");
        try
        {
            return targetMethod!.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}

/// <summary>Whether a <see cref="FailingStore"/> is down; a test ends the outage by setting <see cref="Down"/> to false.</summary>
public sealed class StoreOutage
{
    public volatile bool Down = true;
}
