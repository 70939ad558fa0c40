import { describe, expect, it } from "vitest";
import { evaluate, matchesLike, parse, type LikeMeter } from "../../../src/subscriptions/qualification";

type Values = Record<string, unknown>;

/** Parses and evaluates in one step, as the delivery engine does per event. */
const holds = (condition: string, values: Values): boolean => evaluate(parse(condition), values);

const incident: Values = {
  "Incident Number": "INC000000000101",
  Status: "Assigned",
  Priority: "High",
  Impact: "2",
  Urgency: 1,
  "Assigned Group": "Service Desk",
  Assignee: "",
  Company: "Calbro Services",
  "Service Type": "User Service Restoration",
  "Short Description": "VPN drops every 5 minutes",
  "Categorization Tier 1": "Failure",
  Submitter: "Demo",
};

describe("qualification evaluation", () => {
  it.each<[string, Values, boolean]>([
    // The seed's registration condition.
    [`'Status' !="Closed"`, { Status: "Assigned" }, true],
    [`'Status' !="Closed"`, { Status: "Closed" }, false],
    [`'Status' !="Closed"`, {}, true],
    // Realistic Remedy conditions against an HPD:Help Desk incident.
    [`'Status' = "Assigned" AND 'Assigned Group' = "Service Desk"`, incident, true],
    [`('Priority' = "Critical" OR 'Priority' = "High") AND 'Status' != "Closed"`, incident, true],
    [`('Priority' = "Critical" OR 'Priority' = "Low") AND 'Status' != "Closed"`, incident, false],
    [`'Impact' <= 2 AND 'Urgency' <= 2`, incident, true],
    [`'Short Description' LIKE "%VPN%"`, incident, true],
    [`'Short Description' LIKE "%vpn%"`, incident, false],
    [`'Assignee' = $NULL$ AND 'Status' = "Assigned"`, incident, true],
    [`'Submitter' != "Remedy Application Service"`, incident, true],
    [`'Company' = "Calbro Services" AND NOT ('Service Type' = "Infrastructure Event")`, incident, true],
    [`'Categorization Tier 1' = "Request" OR 'Categorization Tier 1' = "Failure"`, incident, true],
    [`'Incident Number' LIKE "INC%" AND 'Status' < "Closed"`, incident, true],
    // A User form condition.
    [`'Login Name' LIKE "a_min%" AND 'License Type' = "Fixed"`, { "Login Name": "admin01", "License Type": "Fixed" }, true],
    [`'Login Name' LIKE "a_min%" AND 'License Type' = "Fixed"`, { "Login Name": "aadmin", "License Type": "Fixed" }, false],
  ])("%j on %j is %s", (condition, values, expected) => {
    expect(holds(condition, values)).toBe(expected);
  });

  it("an empty condition always holds", () => {
    expect(holds("", {})).toBe(true);
    expect(holds("   ", incident)).toBe(true);
  });

  describe("each comparison operator, numbers and text", () => {
    it.each<[string, Values, boolean]>([
      ["'N' = 5", { N: 5 }, true],
      ["'N' = 5", { N: 6 }, false],
      ["'N' != 5", { N: 6 }, true],
      ["'N' != 5", { N: 5 }, false],
      ["'N' < 5", { N: 4 }, true],
      ["'N' < 5", { N: 5 }, false],
      ["'N' <= 5", { N: 5 }, true],
      ["'N' <= 5", { N: 6 }, false],
      ["'N' > 5", { N: 6 }, true],
      ["'N' > 5", { N: 5 }, false],
      ["'N' >= 5", { N: 5 }, true],
      ["'N' >= 5", { N: 4 }, false],
      ["'N' > -1.5", { N: -1 }, true],
      ["'N' >= -1.5", { N: -1.5 }, true],
      ["'N' < -1.5", { N: "-2" }, true],
      [`'S' = "abc"`, { S: "abc" }, true],
      [`'S' != "abc"`, { S: "abd" }, true],
      [`'S' < "b"`, { S: "abc" }, true],
      [`'S' <= "abc"`, { S: "abc" }, true],
      [`'S' > "abc"`, { S: "abd" }, true],
      [`'S' >= "b"`, { S: "a" }, false],
      [`'S' LIKE "a%"`, { S: "abc" }, true],
      [`'S' LIKE "b%"`, { S: "abc" }, false],
    ])("%j on %j is %s", (condition, values, expected) => {
      expect(holds(condition, values)).toBe(expected);
    });
  });

  describe("numeric or textual comparison", () => {
    it.each<[string, string, Values, boolean]>([
      ["a numeric string field against a number compares numerically", "'P' = 2", { P: "2" }, true],
      ["... so 2.0 equals 2", "'P' = 2", { P: "2.0" }, true],
      ["... and 9 is below 10", "'P' < 10", { P: "9" }, true],
      ["... surrounding blanks do not matter", "'P' = 2", { P: " 2 " }, true],
      ["a number field against a number", "'P' >= 10", { P: 10 }, true],
      ["two numeric fields compare numerically", "'Actual' > 'Target'", { Actual: "10", Target: "9" }, true],
      ["a number field against a number field", "'Actual' = 'Target'", { Actual: 1.5, Target: "1.50" }, true],
      ["a \"string literal\" stays text: '9' sorts after '10'", `'P' < "10"`, { P: "9" }, false],
      ["a \"string literal\" stays text: 007 is not 7", `'Code' = "007"`, { Code: "7" }, false],
      ["a number field against a string literal compares the number's text", `'P' = "2"`, { P: 2 }, true],
      ["a non-numeric string against a number compares as text", "'Name' > 5", { Name: "abc" }, true],
      ["text comparison is case-sensitive", `'Name' = "abc"`, { Name: "ABC" }, false],
      ["text order is by code unit: upper case sorts first", `'Name' < "a"`, { Name: "Z" }, true],
      ["a hexadecimal-looking string is not a number", "'H' = 16", { H: "0x10" }, false],
      ["a boolean compares as its text", `'Active' = "true"`, { Active: true }, true],
      ["an object compares as its JSON", `'Meta' LIKE "{%}"`, { Meta: { a: 1 } }, true],
      ["a number LIKE a pattern uses its text", `'Priority' LIKE "1%"`, { Priority: 12 }, true],
    ])("%s: %j", (_name, condition, values, expected) => {
      expect(holds(condition, values)).toBe(expected);
    });
  });

  describe("NULL: a missing field, null or the empty string", () => {
    it.each<[string, Values, boolean]>([
      ["'A' = $NULL$", {}, true],
      ["'A' = $NULL$", { A: null }, true],
      ["'A' = $NULL$", { A: "" }, true],
      ["'A' = $NULL$", { A: "x" }, false],
      ["'A' = $NULL$", { A: 0 }, false],
      ["'A' = $NULL$", { A: false }, false],
      ["'A' != $NULL$", {}, false],
      ["'A' != $NULL$", { A: null }, false],
      ["'A' != $NULL$", { A: "" }, false],
      ["'A' != $NULL$", { A: "x" }, true],
      ["'A' != $NULL$", { A: 0 }, true],
      ["$NULL$ = 'A'", {}, true],
      ["$NULL$ = $NULL$", {}, true],
      [`'A' = ""`, {}, true],
      [`'A' = ""`, { A: "x" }, false],
      [`'A' != ""`, { A: "x" }, true],
      [`'A' = "x"`, {}, false],
      [`'A' != "x"`, {}, true],
      ["'A' = 1", { A: null }, false],
      ["'A' != 1", { A: null }, true],
      ["'A' < 5", {}, false],
      ["'A' <= 5", {}, false],
      ["'A' > 5", {}, false],
      ["'A' >= 5", {}, false],
      [`'A' LIKE "%"`, {}, false],
      ["'A' < $NULL$", { A: 1 }, false],
      ["'A' = 'B'", {}, true],
      ["'A' != 'B'", { A: 1 }, true],
      [`NOT 'A' = "x"`, {}, true],
      ["'constructor' = $NULL$", {}, true],
      ["'toString' != $NULL$", {}, false],
    ])("%j on %j is %s", (condition, values, expected) => {
      expect(holds(condition, values)).toBe(expected);
    });
  });

  describe("logic and precedence", () => {
    const yes = "'T' = 1";
    const no = "'T' = 0";
    const values = { T: 1 };
    it.each<[string, boolean]>([
      [`${yes} AND ${yes}`, true],
      [`${yes} AND ${no}`, false],
      [`${no} OR ${yes}`, true],
      [`${no} OR ${no}`, false],
      [`NOT ${no}`, true],
      [`NOT ${yes}`, false],
      [`! ${yes}`, false],
      [`${yes} && ${no}`, false],
      [`${no} || ${yes}`, true],
      [`${yes} OR ${yes} AND ${no}`, true],
      [`(${yes} OR ${yes}) AND ${no}`, false],
      [`${no} AND ${no} OR ${yes}`, true],
      [`${no} AND (${no} OR ${yes})`, false],
      [`NOT ${yes} OR ${yes}`, true],
      [`NOT (${yes} OR ${yes})`, false],
      [`NOT ${no} AND ${no}`, false],
      [`NOT NOT ${yes}`, true],
      [`${yes} and not ${no} or ${no}`, true],
    ])("%s", (condition, expected) => {
      expect(holds(condition, values)).toBe(expected);
    });
  });

  it("evaluates a stored (JSON round-tripped) tree the same way", () => {
    const ast = JSON.parse(JSON.stringify(parse(`'Status' != "Closed" AND 'Impact' <= 2`))) as ReturnType<typeof parse>;
    expect(evaluate(ast, { Status: "New", Impact: "1" })).toBe(true);
    expect(evaluate(ast, { Status: "Closed", Impact: "1" })).toBe(false);
  });
});

describe("LIKE patterns", () => {
  it.each<[string, string, boolean]>([
    ["abc", "abc", true],
    ["abc", "ab", false],
    ["abc", "a%", true],
    ["abc", "%c", true],
    ["abc", "%b%", true],
    ["abc", "%", true],
    ["", "%", true],
    ["", "", true],
    ["", "_", false],
    ["abc", "a_c", true],
    ["abc", "___", true],
    ["abc", "__", false],
    ["abc", "a_", false],
    ["abc", "ABC", false],
    ["a%c", "a%c", true],
    ["aXbXc", "a%b%c", true],
    ["ab", "a%b%c", false],
    ["mississippi", "%iss%ppi", true],
    ["mississippi", "m%ss%ss%p", false],
    ["abcabcabd", "%abd", true],
    ["☃x", "_x", true],
    ["😀x", "_x", true],
    ["a.b*c", "a.b*c", true],
    ["axbyc", "a.b*c", false],
    ["[a]", "[a]", true],
    ["aaab", "%a_b", true],
    ["abab", "a%b%ab", true],
    ["abab", "a%b%bab", false],
    ["xaaay", "%a%a%a%", true],
    ["xaay", "%a%a%a%", false],
    ["ab😀cd", "%b_c%", true],
    ["a".repeat(40) + "b", "%" + "a".repeat(33) + "_%", true],
    ["a".repeat(40) + "b", "%" + "_".repeat(35) + "b", true],
    ["a".repeat(40), "%" + "a".repeat(33) + "b%", false],
  ])("%j LIKE %j is %s", (value, pattern, expected) => {
    expect(matchesLike(value, pattern)).toBe(expected);
  });

  describe("the work is linear in the text: at most ⌈longest segment between %s / 32⌉ steps per character", () => {
    const text = "a".repeat(100_000);
    it.each<[string, string, string, boolean]>([
      ["a thousand one-letter segments, then one that never comes", text, "%a".repeat(1_000) + "%b%", false],
      ["a thousand one-letter segments, then the last letter", text + "b", "%a".repeat(1_000) + "%b", true],
      // Backtracking to the last % tries all 10,000 letters at each of 90,000 places: 9·10⁸ comparisons.
      ["one long segment that never matches", text, "%" + "a".repeat(10_000) + "b%", false],
      ["one long segment that matches at the very end", text + "b", "%" + "a".repeat(10_000) + "b", true],
      ["one long segment that matches in the middle", text + "b" + text, "%" + "a".repeat(10_000) + "b%", true],
    ])("%s", (_label, value, pattern, expected) => {
      const meter: LikeMeter = { steps: 0 };
      expect(matchesLike(value, pattern, meter)).toBe(expected);
      const longest = Math.max(...pattern.split("%").map((segment) => segment.length));
      expect(meter.steps).toBeLessThanOrEqual(value.length * Math.ceil(longest / 32) + pattern.length);
    });
  });

  it("stays fast on patterns that make naive backtracking explode", () => {
    const started = Date.now();
    expect(matchesLike("a".repeat(5000) + "b", "%a%a%a%a%a%a%a%c")).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
