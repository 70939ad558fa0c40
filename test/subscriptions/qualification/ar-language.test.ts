import { describe, expect, it } from "vitest";
import { evaluate, parse, parseQualification, referencedFields, type EvaluationContext } from "../../../src/subscriptions/qualification";
import { undefinedFields } from "../../../src/subscriptions/condition-fields";
import type { FormDefinition } from "../../../src/records/form-fields";

/** Seed 003's HPD:Help Desk, as a tenant would define it. */
const helpDesk: FormDefinition = [
  { id: 7, name: "Status", type: "selection", options: { "0": "New", "1": "Assigned", "2": "In Progress", "3": "Pending", "4": "Resolved", "5": "Closed" } },
  { id: 1000000000, name: "Description", type: "character" },
  { id: 1000000163, name: "Impact", type: "integer" },
  { id: 1000000162, name: "Urgency", type: "integer" },
  { id: 1000000564, name: "Target Date", type: "time" },
  { id: 1000000565, name: "Due", type: "date" },
  { id: 1000000351, name: "Attachment1", type: "attachment" },
];

/** Thursday 3 December 2026, 14:00:00 UTC. */
const NOW = Date.UTC(2026, 11, 3, 14, 0, 0);

const holds = (condition: string, values: Record<string, unknown>, context: EvaluationContext = {}) =>
  evaluate(parse(condition), values, { definition: helpDesk, now: NOW, ...context });

describe("AR qualification language", () => {
  describe("selection fields compare by index when the other side is a label (seed 003)", () => {
    it.each<[string, number, boolean]>([
      [`'Status' != "Closed"`, 0, true],
      [`'Status' != "Closed"`, 5, false],
      [`'Status' = "Closed"`, 5, true],
      [`'Status' < "Resolved"`, 3, true],
      [`'Status' < "Resolved"`, 4, false],
      [`'Status' >= "In Progress"`, 2, true],
      [`"Assigned" = 'Status'`, 1, true],
      [`'Status' = 5`, 5, true],
      [`'7' = "Closed"`, 5, true],
      [`'7' != "Closed"`, 0, true],
    ])("%s with Status %d → %s", (condition, status, expected) => {
      expect(holds(condition, { Status: status })).toBe(expected);
    });

    it("a label the field does not have compares as text; without a definition the stored value compares as before", () => {
      expect(holds(`'Status' = "Gone"`, { Status: 0 })).toBe(false);
      expect(evaluate(parse(`'Status' != "Closed"`), { Status: 5 })).toBe(true);
    });
  });

  it("names fields by id ('7') or by name, ignoring case, on a defined form", () => {
    expect(holds(`'1000000163' <= 2 AND 'impact' <= 2`, { Impact: 1 })).toBe(true);
    expect(evaluate(parse(`'7' = 1`), { "7": 1 })).toBe(true);
  });

  describe("'TR.Field' and 'DB.Field' on an update", () => {
    const update: EvaluationContext = { changedFields: ["Status"], previous: { Status: 1 } };
    const after = { Status: 4, Description: "printer" };
    it.each<[string, boolean]>([
      [`'TR.Status' = "Resolved"`, true],
      [`'DB.Status' = "Assigned"`, true],
      [`'DB.Status' != 'TR.Status'`, true],
      [`'DB.Status' = "Assigned" AND 'TR.Status' = "Resolved"`, true],
      [`'TR.Description' = $NULL$`, true],
      [`'DB.Description' = "printer"`, true],
      [`'Description' = "printer"`, true],
      [`'TR.7' = 4`, true],
    ])("%s → %s", (condition, expected) => {
      expect(holds(condition, after, update)).toBe(expected);
    });

    it("on a create, DB is NULL and TR is every value set", () => {
      const create: EvaluationContext = { previous: null };
      expect(holds(`'DB.Status' = $NULL$ AND 'TR.Status' = "New"`, { Status: 0 }, create)).toBe(true);
    });

    it("a field the update cleared reads NULL after and its old value before", () => {
      expect(holds(`'Description' = $NULL$ AND 'DB.Description' = "old"`, {}, { changedFields: ["Description"], previous: { Description: "old" } })).toBe(true);
    });
  });

  describe("keywords", () => {
    it.each<[string, boolean]>([
      [`$DATE$ = "2026-12-03"`, true],
      [`$WEEKDAY$ = 5`, true],
      [`$TIMESTAMP$ = ${NOW / 1000}`, true],
      [`$TIME$ = $TIMESTAMP$`, true],
      [`'Target Date' < $TIMESTAMP$`, true],
      [`'Target Date' + 3600 > $TIMESTAMP$`, true],
      [`'Due' < $DATE$`, false],
      [`$USER$ = "api_key:key_1"`, true],
      [`$USER$ != "api_key:key_1"`, false],
    ])("%s → %s", (condition, expected) => {
      expect(holds(condition, { "Target Date": "2026-12-03T13:30:00Z", Due: "2026-12-04" }, { user: "api_key:key_1" })).toBe(expected);
    });

    it("$USER$ is NULL when nobody is known, and the clock is the one injected", () => {
      expect(holds(`$USER$ = $NULL$`, {}, { user: null })).toBe(true);
      expect(holds(`$WEEKDAY$ = 1`, {}, { now: Date.UTC(2026, 11, 6) })).toBe(true);
    });
  });

  describe("arithmetic", () => {
    it.each<[string, Record<string, unknown>, boolean]>([
      [`'Impact' + 'Urgency' = 5`, { Impact: 2, Urgency: 3 }, true],
      [`1 + 2 * 3 = 7`, {}, true],
      [`10 - 4 - 3 = 3`, {}, true],
      [`'Impact' * 2 > 'Urgency'`, { Impact: 2, Urgency: 3 }, true],
      [`'Impact' / 2 = 1.5`, { Impact: 3 }, true],
      [`-'Impact' = -3`, { Impact: 3 }, true],
      [`'Impact'-1 = 2`, { Impact: 3 }, true],
      [`'Description' + "!" = "hi!"`, { Description: "hi" }, true],
      [`'Missing' + 1 = $NULL$`, {}, true],
      [`'Impact' / 0 = 1`, { Impact: 3 }, false],
      [`NOT ('Impact' / 0 = 1)`, { Impact: 3 }, false],
    ])("%s with %j → %s", (condition, values, expected) => {
      expect(holds(condition, values)).toBe(expected);
    });
  });

  it("parses TR./DB. references, keywords and arithmetic into plain data", () => {
    expect(parse(`'TR.Status' != 'DB.Status'`)).toEqual({
      kind: "comparison",
      operator: "!=",
      left: { kind: "field", name: "Status", source: "TR" },
      right: { kind: "field", name: "Status", source: "DB" },
    });
    expect(parse(`1 + 2 * $WEEKDAY$ = 'A'`)).toEqual({
      kind: "comparison",
      operator: "=",
      left: { kind: "arithmetic", operator: "+", left: { kind: "number", value: 1 }, right: { kind: "arithmetic", operator: "*", left: { kind: "number", value: 2 }, right: { kind: "keyword", keyword: "WEEKDAY" } } },
      right: { kind: "field", name: "A" },
    });
  });

  it.each<[string, number]>([
    [`'A' = 1 +`, 9],
    [`'A' * = 1`, 6],
    [`'A' = $NOW$`, 6],
    [`'A' = 1 + + 2`, 10],
  ])("rejects %j naming the position", (condition, position) => {
    const result = parseQualification(condition);
    expect(result).toMatchObject({ ok: false, error: { position } });
    expect(!result.ok && result.error.message).toContain(`at position ${position}`);
  });

  it("lists the fields a condition names, and registration finds the ones a definition lacks", () => {
    const condition = `'Status' != "Closed" AND ('TR.Impact' > 'DB.1000000162' OR 'Priority' = 1)`;
    expect(referencedFields(parse(condition))).toEqual(["Status", "Impact", "1000000162", "Priority"]);
    expect(undefinedFields(helpDesk, condition, ["Description", "7", "Summary"])).toEqual([
      { path: "condition", message: "names the field 'Priority', which the form does not define" },
      { path: "payload_fields.2", message: "'Summary' is not a field of the form" },
    ]);
  });
});
