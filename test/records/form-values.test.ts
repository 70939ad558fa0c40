import { describe, expect, it } from "vitest";
import { normalizeEntryValues } from "../../src/records/form-values";
import { formDefinitionBody, type FormDefinition } from "../../src/records/form-fields";

const definition: FormDefinition = [
  { id: 7, name: "Status", type: "selection", options: { "0": "New", "1": "Assigned", "5": "Closed" } },
  { id: 1000000000, name: "Description", type: "character" },
  { id: 8, name: "Count", type: "integer" },
  { id: 9, name: "Amount", type: "decimal" },
  { id: 10, name: "Due", type: "date" },
  { id: 11, name: "Target", type: "time" },
  { id: 1000000351, name: "Attachment1", type: "attachment" },
];

describe("entry values on a defined form", () => {
  it("stores fields by name, whether sent by id or name, and selections as their index", () => {
    expect(
      normalizeEntryValues(definition, {
        "7": "Closed",
        "1000000000": "printer jam",
        count: "3",
        Amount: "12.50",
        Due: "2026-12-03",
        Target: "2026-12-03T14:00:00Z",
        Attachment1: { name: "a.png", sizeBytes: 3 },
      }),
    ).toEqual({
      ok: true,
      values: { Status: 5, Description: "printer jam", Count: 3, Amount: 12.5, Due: "2026-12-03", Target: "2026-12-03T14:00:00Z", Attachment1: { name: "a.png", sizeBytes: 3 } },
    });
  });

  it.each<[unknown, number]>([
    [0, 0],
    ["1", 1],
    ["Assigned", 1],
    ["closed", 5],
  ])("takes the selection value %j as index %d", (value, index) => {
    expect(normalizeEntryValues(definition, { Status: value })).toEqual({ ok: true, values: { Status: index } });
  });

  it("lets null clear any field", () => {
    expect(normalizeEntryValues(definition, { Status: null, Count: null })).toEqual({ ok: true, values: { Status: null, Count: null } });
  });

  it.each<[Record<string, unknown>, string, string]>([
    [{ Status: "Gone" }, "values.Status", "must be one of 0 (New), 1 (Assigned), 5 (Closed)"],
    [{ Status: 3 }, "values.Status", "must be one of"],
    [{ Status: true }, "values.Status", "must be one of"],
    [{ Description: 5 }, "values.Description", "must be text"],
    [{ Count: 1.5 }, "values.Count", "must be an integer"],
    [{ Count: "three" }, "values.Count", "must be an integer"],
    [{ Amount: "12,5" }, "values.Amount", "must be a decimal number"],
    [{ Due: "2026-02-30" }, "values.Due", "must be a date"],
    [{ Target: "tomorrow" }, "values.Target", "must be a date and time"],
    [{ Attachment1: [1] }, "values.Attachment1", "must be an attachment"],
    [{ Summary: "x" }, "values.Summary", "is not a field of the form"],
    [{ "7": 0, Status: 1 }, "values.Status", "names the same field as '7'"],
  ])("refuses %j", (values, path, message) => {
    const result = normalizeEntryValues(definition, values);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.details[0]).toMatchObject({ path });
    expect(!result.ok && result.details[0]!.message).toContain(message);
  });
});

describe("form definition validation", () => {
  const ok = { fields: [{ id: 7, name: "Status", type: "selection", options: { "0": "New" } }, { id: 8, name: "Description", type: "character" }] };

  it("accepts a valid definition", () => {
    expect(formDefinitionBody.safeParse(ok).success).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ["a repeated id", { fields: [{ id: 7, name: "A", type: "integer" }, { id: 7, name: "B", type: "integer" }] }, "fields.1.id"],
    ["a name repeated ignoring case", { fields: [{ id: 7, name: "Status", type: "integer" }, { id: 8, name: "STATUS", type: "integer" }] }, "fields.1.name"],
    ["options on a character field", { fields: [{ id: 7, name: "A", type: "character", options: { "0": "x" } }] }, "fields.0.options"],
    ["a negative option key", { fields: [{ id: 7, name: "A", type: "selection", options: { "-1": "x" } }] }, "fields.0.options.-1"],
    ["a non-integer option key", { fields: [{ id: 7, name: "A", type: "selection", options: { one: "x" } }] }, "fields.0.options.one"],
    ["a selection without options", { fields: [{ id: 7, name: "A", type: "selection" }] }, "fields.0.options"],
    ["an unknown type", { fields: [{ id: 7, name: "A", type: "blob" }] }, "fields.0.type"],
    ["a non-integer id", { fields: [{ id: 7.5, name: "A", type: "integer" }] }, "fields.0.id"],
    ["an unknown property", { fields: [{ id: 7, name: "A", type: "integer", colour: "red" }] }, "fields.0"],
  ])("rejects %s", (_, body, path) => {
    const result = formDefinitionBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(path);
  });
});
