using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Small builders for the Block Kit pieces the bot uses. Every builder clamps its text to Slack's limits so a
/// long skill name or a long details field shortens instead of getting the whole view rejected.
/// </summary>
public static class BlockKit
{
    public const int MaxSectionText = 3000;
    public const int MaxOptionText = 75;
    public const int MaxOptions = 100;
    public const int MaxOptionGroups = 100;
    public const int MaxModalTitle = 24;
    public const int MaxMessageBlocks = 50;
    public const int MaxViewBlocks = 100;
    public const int MaxPrivateMetadata = 3000;

    public static JsonObject PlainText(string text, int max = MaxSectionText) =>
        new() { ["type"] = "plain_text", ["text"] = Clamp(text, max), ["emoji"] = true };

    public static JsonObject MrkdwnText(string text, int max = MaxSectionText) =>
        new() { ["type"] = "mrkdwn", ["text"] = Mrkdwn.Truncate(text.Length == 0 ? " " : text, max) };

    public static JsonObject Section(string mrkdwn, string? blockId = null)
    {
        var block = new JsonObject { ["type"] = "section", ["text"] = MrkdwnText(mrkdwn) };
        if (blockId is not null) block["block_id"] = blockId;
        return block;
    }

    /// <summary>A section with one element (a button, a select) beside its text.</summary>
    public static JsonObject Section(string mrkdwn, JsonObject accessory, string? blockId = null)
    {
        var block = Section(mrkdwn, blockId);
        block["accessory"] = accessory;
        return block;
    }

    public static JsonObject Fields(params string[] mrkdwnFields)
    {
        var fields = new JsonArray();
        foreach (var f in mrkdwnFields.Take(10)) fields.Add(MrkdwnText(f, 2000));
        return new JsonObject { ["type"] = "section", ["fields"] = fields };
    }

    public static JsonObject Header(string text) => new() { ["type"] = "header", ["text"] = PlainText(text, 150) };

    public static JsonObject Context(string mrkdwn) =>
        new() { ["type"] = "context", ["elements"] = new JsonArray(MrkdwnText(mrkdwn, 2000)) };

    public static JsonObject Divider() => new() { ["type"] = "divider" };

    public static JsonObject Actions(string blockId, params JsonObject[] elements)
    {
        var arr = new JsonArray();
        foreach (var e in elements.Take(25)) arr.Add(e);
        return new JsonObject { ["type"] = "actions", ["block_id"] = blockId, ["elements"] = arr };
    }

    public static JsonObject Button(string text, string actionId, string value, string? style = null)
    {
        var b = new JsonObject
        {
            ["type"] = "button",
            ["text"] = PlainText(text, 75),
            ["action_id"] = actionId,
            ["value"] = Clamp(value, 2000),
        };
        if (style is not null) b["style"] = style;
        return b;
    }

    /// <summary>The "are you sure?" dialog a button or select can ask before it acts.</summary>
    public static JsonObject Confirm(string title, string mrkdwn, string confirm, string deny = "Cancel") => new()
    {
        ["title"] = PlainText(title, 100),
        ["text"] = MrkdwnText(mrkdwn, 300),
        ["confirm"] = PlainText(confirm, 30),
        ["deny"] = PlainText(deny, 30),
    };

    public static JsonObject Option(string text, string? value = null) =>
        new() { ["text"] = PlainText(text, MaxOptionText), ["value"] = Clamp(value ?? text, MaxOptionText) };

    public static JsonArray Options(IEnumerable<string> names)
    {
        var arr = new JsonArray();
        foreach (var n in names.Take(MaxOptions)) arr.Add(Option(n));
        return arr;
    }

    /// <summary>
    /// Puts the choices on a select. Slack takes at most 100 options in a plain list but 100 groups of 100, so a
    /// longer list (150 skills, say) is sorted and split into groups labelled by their first letters instead of
    /// being cut short. Returns the names that are offered.
    /// </summary>
    private static IReadOnlySet<string> SetOptions(JsonObject element, IReadOnlyList<string> names)
    {
        var choices = ChoicesFor(names);
        // A node of its own over JSON built once: nothing is copied unless someone changes it.
        element[choices.Property] = JsonArray.Create(choices.Json);
        return choices.Offered;
    }

    /// <summary>A list's choices as Slack's JSON, with the names offered; immutable, so shared between views.</summary>
    private sealed record Choices(string Property, JsonElement Json, IReadOnlySet<string> Offered);

    // Built once per distinct list rather than on every form: the request form's three lists were a third of
    // everything the bot allocated at a steady 200 requests a second (a few hundred small JSON nodes each time).
    // Keyed by content, since some stores read the lists afresh each time; bounded, since lists change rarely.
    private static readonly ConcurrentDictionary<int, (string[] Names, Choices Choices)> KnownChoices = new();
    private const int MaxKnownChoices = 64;

    private static Choices ChoicesFor(IReadOnlyList<string> names)
    {
        var hash = new HashCode();
        hash.Add(names.Count);
        foreach (var n in names) hash.Add(n, StringComparer.Ordinal);
        var key = hash.ToHashCode();
        if (KnownChoices.TryGetValue(key, out var known) && Same(known.Names, names)) return known.Choices;

        var choices = BuildChoices(names);
        if (KnownChoices.Count >= MaxKnownChoices) KnownChoices.Clear();
        KnownChoices[key] = ([.. names], choices);
        return choices;
    }

    private static bool Same(string[] known, IReadOnlyList<string> names)
    {
        if (known.Length != names.Count) return false;
        for (var i = 0; i < known.Length; i++)
            if (!string.Equals(known[i], names[i], StringComparison.Ordinal)) return false;
        return true;
    }

    private static Choices BuildChoices(IReadOnlyList<string> names)
    {
        if (names.Count <= MaxOptions)
            return new Choices("options", JsonSerializer.SerializeToElement(Options(names)), names.ToHashSet(StringComparer.Ordinal));
        var sorted = names.Order(StringComparer.OrdinalIgnoreCase).Take(MaxOptions * MaxOptionGroups).ToList();
        var groupCount = (int)Math.Ceiling(sorted.Count / (double)MaxOptions);
        var size = (int)Math.Ceiling(sorted.Count / (double)groupCount);
        var groups = new JsonArray();
        foreach (var chunk in sorted.Chunk(size))
        {
            var first = Initial(chunk[0]);
            var last = Initial(chunk[^1]);
            groups.Add(new JsonObject
            {
                ["label"] = PlainText(first == last ? $"{first}" : $"{first} – {last}", MaxOptionText),
                ["options"] = Options(chunk),
            });
        }
        return new Choices("option_groups", JsonSerializer.SerializeToElement(groups), sorted.ToHashSet(StringComparer.Ordinal));

        static char Initial(string name) => name.Length == 0 ? '?' : char.ToUpperInvariant(name[0]);
    }

    public static JsonObject StaticSelect(string actionId, string placeholder, IEnumerable<string> options, string? initial = null)
    {
        var e = new JsonObject
        {
            ["type"] = "static_select",
            ["action_id"] = actionId,
            ["placeholder"] = PlainText(placeholder, 150),
        };
        var offered = SetOptions(e, options.ToList());
        if (initial is not null && offered.Contains(initial)) e["initial_option"] = Option(initial);
        return e;
    }

    public static JsonObject MultiStaticSelect(string actionId, string placeholder, IEnumerable<string> options,
        IEnumerable<string>? initial = null, int? maxSelected = null)
    {
        var e = new JsonObject
        {
            ["type"] = "multi_static_select",
            ["action_id"] = actionId,
            ["placeholder"] = PlainText(placeholder, 150),
        };
        var shown = SetOptions(e, options.ToList());
        var chosen = (initial ?? []).Where(shown.Contains).ToList();
        if (chosen.Count > 0)
        {
            var arr = new JsonArray();
            foreach (var c in chosen) arr.Add(Option(c));
            e["initial_options"] = arr;
        }
        if (maxSelected is not null) e["max_selected_items"] = maxSelected.Value;
        return e;
    }

    /// <summary>Checkboxes whose labels are mrkdwn (so they can link), with the values of those ticked already.</summary>
    public static JsonObject Checkboxes(string actionId, IReadOnlyList<(string Value, string Mrkdwn)> options, IEnumerable<string>? ticked = null)
    {
        JsonObject Box((string Value, string Mrkdwn) o) => new() { ["text"] = MrkdwnText(o.Mrkdwn, MaxOptionText), ["value"] = o.Value };
        var e = new JsonObject
        {
            ["type"] = "checkboxes",
            ["action_id"] = actionId,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)Box(o)).ToArray()),
        };
        var initial = options.Where(o => (ticked ?? []).Contains(o.Value)).Select(o => (JsonNode)Box(o)).ToArray();
        if (initial.Length > 0) e["initial_options"] = new JsonArray(initial);
        return e;
    }

    public static JsonObject TextInput(string actionId, string? placeholder = null, bool multiline = false,
        int? minLength = null, int? maxLength = null, string? initial = null)
    {
        var e = new JsonObject { ["type"] = "plain_text_input", ["action_id"] = actionId, ["multiline"] = multiline };
        if (placeholder is not null) e["placeholder"] = PlainText(placeholder, 150);
        if (minLength is not null) e["min_length"] = minLength.Value;
        if (maxLength is not null) e["max_length"] = maxLength.Value;
        if (!string.IsNullOrEmpty(initial)) e["initial_value"] = Clamp(initial, maxLength ?? 3000);
        return e;
    }

    public static JsonObject NumberInput(string actionId, int min, int max, int initial) => new()
    {
        ["type"] = "number_input",
        ["action_id"] = actionId,
        ["is_decimal_allowed"] = false,
        ["min_value"] = min.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["max_value"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["initial_value"] = Math.Clamp(initial, min, max).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A short list of choices shown at once, each with its own value; <paramref name="initial"/> is a value.</summary>
    public static JsonObject RadioButtons(string actionId, IEnumerable<(string Text, string Value)> options, string? initial = null)
    {
        var arr = new JsonArray();
        JsonObject? chosen = null;
        foreach (var (text, value) in options.Take(10))
        {
            arr.Add(Option(text, value));
            if (value == initial) chosen = Option(text, value);
        }
        var e = new JsonObject { ["type"] = "radio_buttons", ["action_id"] = actionId, ["options"] = arr };
        if (chosen is not null) e["initial_option"] = chosen;
        return e;
    }

    public static JsonObject UsersSelect(string actionId, string placeholder) => new()
    {
        ["type"] = "users_select",
        ["action_id"] = actionId,
        ["placeholder"] = PlainText(placeholder, 150),
    };

    /// <summary>A date picker (<c>YYYY-MM-DD</c>), starting at <paramref name="initial"/> when given.</summary>
    public static JsonObject DatePicker(string actionId, string placeholder, DateOnly? initial = null)
    {
        var e = new JsonObject { ["type"] = "datepicker", ["action_id"] = actionId, ["placeholder"] = PlainText(placeholder, 150) };
        if (initial is { } d) e["initial_date"] = d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return e;
    }

    public static JsonObject Input(string blockId, string label, JsonObject element, bool optional = false, string? hint = null)
    {
        var block = new JsonObject
        {
            ["type"] = "input",
            ["block_id"] = blockId,
            ["label"] = PlainText(label, 2000),
            ["element"] = element,
            ["optional"] = optional,
        };
        if (hint is not null) block["hint"] = PlainText(hint, 2000);
        return block;
    }

    public static JsonObject Modal(string callbackId, string title, IEnumerable<JsonObject> blocks,
        string? submit = "Submit", string close = "Cancel", string? privateMetadata = null)
    {
        var arr = new JsonArray();
        foreach (var b in blocks.Take(MaxViewBlocks)) arr.Add(b);
        var view = new JsonObject
        {
            ["type"] = "modal",
            ["callback_id"] = callbackId,
            ["title"] = PlainText(title, MaxModalTitle),
            ["close"] = PlainText(close, MaxModalTitle),
            ["blocks"] = arr,
        };
        if (submit is not null) view["submit"] = PlainText(submit, MaxModalTitle);
        if (privateMetadata is not null) view["private_metadata"] = Clamp(privateMetadata, MaxPrivateMetadata);
        return view;
    }

    /// <summary>The App Home tab's view.</summary>
    public static JsonObject Home(IEnumerable<JsonObject> blocks, string? privateMetadata = null)
    {
        var view = new JsonObject { ["type"] = "home", ["blocks"] = Blocks(blocks, MaxViewBlocks) };
        if (privateMetadata is not null) view["private_metadata"] = Clamp(privateMetadata, MaxPrivateMetadata);
        return view;
    }

    public static JsonArray Blocks(IEnumerable<JsonObject> blocks, int max = MaxMessageBlocks)
    {
        var arr = new JsonArray();
        foreach (var b in blocks.Take(max)) arr.Add(b);
        return arr;
    }

    /// <summary>
    /// Joins lines for one section, keeping whole lines: when they don't all fit (by count or by Slack's character
    /// limit) the last line says how many were left out, so a long list reads "and 12 more" instead of being cut mid-word.
    /// </summary>
    public static string Lines(IReadOnlyList<string> lines, int maxLines = int.MaxValue, int maxChars = MaxSectionText - 100)
    {
        var sb = new System.Text.StringBuilder();
        var shown = 0;
        foreach (var line in lines)
        {
            if (shown >= maxLines || sb.Length + line.Length + 1 > maxChars) break;
            if (shown > 0) sb.Append('\n');
            sb.Append(line);
            shown++;
        }
        if (shown < lines.Count) sb.Append(shown > 0 ? "\n" : "").Append($"…and {lines.Count - shown} more");
        return sb.ToString();
    }

    /// <summary>Cuts plain text to <paramref name="max"/> characters (plain text needs no escaping).</summary>
    public static string Clamp(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(0, max - 1)), "…");
}
