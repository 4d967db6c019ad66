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

    public static JsonObject Option(string text, string? value = null) =>
        new() { ["text"] = PlainText(text, MaxOptionText), ["value"] = Clamp(value ?? text, MaxOptionText) };

    public static JsonArray Options(IEnumerable<string> names)
    {
        var arr = new JsonArray();
        foreach (var n in names.Take(MaxOptions)) arr.Add(Option(n));
        return arr;
    }

    public static JsonObject StaticSelect(string actionId, string placeholder, IEnumerable<string> options, string? initial = null)
    {
        var list = options.ToList();
        var e = new JsonObject
        {
            ["type"] = "static_select",
            ["action_id"] = actionId,
            ["placeholder"] = PlainText(placeholder, 150),
            ["options"] = Options(list),
        };
        if (initial is not null && list.Take(MaxOptions).Contains(initial)) e["initial_option"] = Option(initial);
        return e;
    }

    public static JsonObject MultiStaticSelect(string actionId, string placeholder, IEnumerable<string> options,
        IEnumerable<string>? initial = null, int? maxSelected = null)
    {
        var list = options.ToList();
        var e = new JsonObject
        {
            ["type"] = "multi_static_select",
            ["action_id"] = actionId,
            ["placeholder"] = PlainText(placeholder, 150),
            ["options"] = Options(list),
        };
        var shown = list.Take(MaxOptions).ToHashSet(StringComparer.Ordinal);
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

    public static JsonObject UsersSelect(string actionId, string placeholder) => new()
    {
        ["type"] = "users_select",
        ["action_id"] = actionId,
        ["placeholder"] = PlainText(placeholder, 150),
    };

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

    public static JsonArray Blocks(IEnumerable<JsonObject> blocks, int max = MaxMessageBlocks)
    {
        var arr = new JsonArray();
        foreach (var b in blocks.Take(max)) arr.Add(b);
        return arr;
    }

    /// <summary>Cuts plain text to <paramref name="max"/> characters (plain text needs no escaping).</summary>
    public static string Clamp(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(0, max - 1)), "…");
}
