namespace OperationCodeMentor.Storage;

/// <summary>
/// The schema version a database was at when the bot opened it, beside the newest this release knows. Migrations only
/// ever move a database forward, so one found beyond <see cref="Known"/> was upgraded by a newer release: the bot was
/// rolled back, or an older replica restarted in the middle of a deploy. It still runs (the migrations so far have only
/// added), and says so at start-up.
/// </summary>
public sealed record SchemaVersion(int Found, int Known)
{
    public bool Newer => Found > Known;
}
