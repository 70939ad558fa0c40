import { describe, expect, it } from "vitest";
import {
  type ChoiceField,
  parseServiceNowChoice,
  parseServiceNowDateTime,
  serviceNowIdempotencyKey,
  serviceNowTicketSchema,
} from "../../src/inbound/optimalcloud/servicenow-fields";
import { validationDetails } from "../../src/http/validation";
import { SEED_SERVICENOW } from "../seed-bodies";

const REQUIRED = { requester_email: "john.doe@optimalidm.com", short_description: "Test Ticket" };

/** Parses and returns the route-level `details` a failure would produce. */
function failures(body: unknown) {
  const result = serviceNowTicketSchema.safeParse(body);
  expect(result.success).toBe(false);
  return result.success ? [] : validationDetails(result.error);
}

describe("serviceNowTicketSchema on the seed example", () => {
  it("normalises the choice fields and opened_at, keeps what was sent, and keeps every other field", () => {
    const ticket = serviceNowTicketSchema.parse(SEED_SERVICENOW);
    expect(ticket).toStrictEqual({
      requester_email: "john.doe@optimalidm.com",
      number: "INC010100",
      reported_by_email: "someone@optimalidm.com",
      opened_at: "2022-01-05T19:25:51.927Z",
      impact: "low",
      urgency: "medium",
      short_description: "Test Ticket",
      description: "Description of the Incident",
      category: "network",
      priority: "high",
      sys_id: "9d385017c611228701d22104cc95c371",
      subcategory: "ldap",
      state: "new",
      servicenow_raw: {
        opened_at: "2022-01-05T19:25:51.927013+00:00",
        impact: "low",
        urgency: "medium",
        priority: "high",
        state: "open",
      },
    });
  });

  it("keeps unknown fields unchanged", () => {
    const ticket = serviceNowTicketSchema.parse({ ...REQUIRED, assignment_group: "IAM", u_custom: { nested: [1, 2] } });
    expect(ticket.assignment_group).toBe("IAM");
    expect(ticket.u_custom).toEqual({ nested: [1, 2] });
  });

  it("needs only requester_email and short_description; raw is then empty", () => {
    expect(serviceNowTicketSchema.parse(REQUIRED)).toStrictEqual({ ...REQUIRED, servicenow_raw: {} });
  });

  it.each([
    ["null", null],
    ["blank", ""],
    ["spaces", "   "],
  ])("leaves out optional fields sent as %s", (_, value) => {
    const body = { ...REQUIRED, number: value, sys_id: value, impact: value, state: value, opened_at: value, reported_by_email: value };
    expect(serviceNowTicketSchema.parse(body)).toStrictEqual({ ...REQUIRED, servicenow_raw: {} });
  });

  it("trims the text fields", () => {
    const ticket = serviceNowTicketSchema.parse({
      requester_email: "  john.doe@optimalidm.com ",
      short_description: "  Test Ticket\n",
      number: " INC010100 ",
    });
    expect(ticket).toMatchObject({ requester_email: "john.doe@optimalidm.com", short_description: "Test Ticket", number: "INC010100" });
  });
});

describe("choice fields: labels and ServiceNow codes give one canonical value", () => {
  const cases: [ChoiceField, string | number, string][] = [
    // impact and urgency: 1 High, 2 Medium, 3 Low
    ["impact", "high", "high"],
    ["impact", "HIGH", "high"],
    ["impact", " Medium ", "medium"],
    ["impact", "moderate", "medium"],
    ["impact", "low", "low"],
    ["impact", 1, "high"],
    ["impact", 2, "medium"],
    ["impact", 3, "low"],
    ["impact", "1", "high"],
    ["impact", " 3 ", "low"],
    ["impact", "1 - High", "high"],
    ["impact", "2 - Medium", "medium"],
    ["impact", "3-low", "low"],
    ["urgency", "high", "high"],
    ["urgency", "Medium", "medium"],
    ["urgency", 3, "low"],
    ["urgency", "2", "medium"],
    ["urgency", "1 - High", "high"],
    // priority: 1 Critical, 2 High, 3 Moderate, 4 Low, 5 Planning
    ["priority", "critical", "critical"],
    ["priority", "High", "high"],
    ["priority", "moderate", "moderate"],
    ["priority", "medium", "moderate"],
    ["priority", "LOW", "low"],
    ["priority", "planning", "planning"],
    ["priority", 1, "critical"],
    ["priority", 2, "high"],
    ["priority", 3, "moderate"],
    ["priority", 4, "low"],
    ["priority", 5, "planning"],
    ["priority", "5", "planning"],
    ["priority", "1 - Critical", "critical"],
    ["priority", "3 - Moderate", "moderate"],
    ["priority", "4 - Low", "low"],
    // incident state: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled
    ["state", "new", "new"],
    ["state", "open", "new"],
    ["state", "Open", "new"],
    ["state", "In Progress", "in_progress"],
    ["state", "in_progress", "in_progress"],
    ["state", "in-progress", "in_progress"],
    ["state", "work in progress", "in_progress"],
    ["state", "active", "in_progress"],
    ["state", "On Hold", "on_hold"],
    ["state", "pending", "on_hold"],
    ["state", "resolved", "resolved"],
    ["state", "Closed", "closed"],
    ["state", "canceled", "canceled"],
    ["state", "cancelled", "canceled"],
    ["state", 1, "new"],
    ["state", 2, "in_progress"],
    ["state", 3, "on_hold"],
    ["state", 6, "resolved"],
    ["state", "7", "closed"],
    ["state", "8", "canceled"],
  ];

  it.each(cases)("%s %j -> %s", (field, raw, expected) => {
    expect(parseServiceNowChoice(field, raw)).toBe(expected);
    const ticket = serviceNowTicketSchema.parse({ ...REQUIRED, [field]: raw });
    expect(ticket[field]).toBe(expected);
    expect(ticket.servicenow_raw[field]).toBe(raw);
  });
});

describe("choice fields: unknown values are refused with the field named", () => {
  const cases: [ChoiceField, unknown][] = [
    ["impact", "urgent"],
    ["impact", "critical"],
    ["impact", 0],
    ["impact", 4],
    ["impact", "4"],
    ["impact", 1.5],
    ["impact", "1 - Low"],
    ["impact", "9 - High"],
    ["urgency", "asap"],
    ["urgency", -1],
    ["priority", "urgent"],
    ["priority", 6],
    ["priority", "planned"],
    ["priority", "2 - Critical"],
    ["state", "done"],
    ["state", 4],
    ["state", 5],
    ["state", "9"],
    ["state", "reopened"],
  ];

  it.each(cases)("%s %j", (field, raw) => {
    const details = failures({ ...REQUIRED, [field]: raw });
    expect(details).toHaveLength(1);
    expect(details[0]?.path).toBe(field);
    expect(details[0]?.message).toContain(field);
  });

  it.each([
    ["impact", true],
    ["priority", { value: 1 }],
    ["state", [1]],
  ])("%s of the wrong type (%j)", (field, raw) => {
    expect(failures({ ...REQUIRED, [field]: raw })).toEqual([{ path: field, message: `must be a ${field} label or ServiceNow code` }]);
  });

  it("says which values are accepted", () => {
    expect(failures({ ...REQUIRED, impact: "urgent" })).toEqual([
      { path: "impact", message: 'unknown impact "urgent": expected high, medium, low or code 1, 2, 3' },
    ]);
    expect(failures({ ...REQUIRED, state: 4 })).toEqual([
      { path: "state", message: "unknown state 4: expected new, in_progress, on_hold, resolved, closed, canceled or code 1, 2, 3, 6, 7, 8" },
    ]);
  });
});

describe("opened_at", () => {
  it.each([
    ["ISO with 6 fractional digits and +00:00 (seed)", "2022-01-05T19:25:51.927013+00:00", "2022-01-05T19:25:51.927Z"],
    ["ISO with Z and milliseconds", "2022-01-05T19:25:51.927Z", "2022-01-05T19:25:51.927Z"],
    ["ISO with Z, no fraction", "2022-01-05T19:25:51Z", "2022-01-05T19:25:51.000Z"],
    ["ISO with one fractional digit", "2022-01-05T19:25:51.9Z", "2022-01-05T19:25:51.900Z"],
    ["ISO with 9 fractional digits (truncated, not rounded)", "2022-01-05T19:25:51.999999999Z", "2022-01-05T19:25:51.999Z"],
    ["ISO with a positive offset", "2022-01-05T21:25:51+02:00", "2022-01-05T19:25:51.000Z"],
    ["ISO with a negative offset crossing midnight", "2022-01-05T20:25:51-05:00", "2022-01-06T01:25:51.000Z"],
    ["ISO with a half-hour offset without colon", "2022-01-06T00:55:51+0530", "2022-01-05T19:25:51.000Z"],
    ["ISO with an hours-only offset", "2022-01-05T20:25:51+01", "2022-01-05T19:25:51.000Z"],
    ["ISO without seconds", "2022-01-05T19:25Z", "2022-01-05T19:25:00.000Z"],
    ["ISO without offset (UTC, as ServiceNow sends)", "2022-01-05T19:25:51", "2022-01-05T19:25:51.000Z"],
    ["ServiceNow yyyy-MM-dd HH:mm:ss (UTC)", "2022-01-05 19:25:51", "2022-01-05T19:25:51.000Z"],
    ["ServiceNow format surrounded by spaces", "  2022-01-05 19:25:51 ", "2022-01-05T19:25:51.000Z"],
    ["leap day", "2024-02-29 12:00:00", "2024-02-29T12:00:00.000Z"],
    ["lowercase t and z", "2022-01-05t19:25:51z", "2022-01-05T19:25:51.000Z"],
  ])("%s", (_, raw, expected) => {
    expect(parseServiceNowDateTime(raw)).toBe(expected);
    const ticket = serviceNowTicketSchema.parse({ ...REQUIRED, opened_at: raw });
    expect(ticket.opened_at).toBe(expected);
    expect(ticket.servicenow_raw.opened_at).toBe(raw);
  });

  it.each([
    ["a word", "yesterday"],
    ["a date without time", "2022-01-05"],
    ["US order", "01/05/2022 19:25:51"],
    ["month 13", "2022-13-05 19:25:51"],
    ["month 00", "2022-00-05 19:25:51"],
    ["February 30", "2022-02-30 19:25:51"],
    ["February 29 in a common year", "2023-02-29 19:25:51"],
    ["hour 24", "2022-01-05 24:00:00"],
    ["minute 60", "2022-01-05 19:60:00"],
    ["second 60", "2022-01-05 19:25:60"],
    ["offset hours 24", "2022-01-05T19:25:51+24:00"],
    ["offset minutes 60", "2022-01-05T19:25:51+01:60"],
    ["two-digit year", "22-01-05 19:25:51"],
    ["trailing text", "2022-01-05 19:25:51 UTC"],
  ])("refuses %s", (_, raw) => {
    expect(parseServiceNowDateTime(raw)).toBeNull();
    expect(failures({ ...REQUIRED, opened_at: raw })).toEqual([
      { path: "opened_at", message: "must be an ISO-8601 date-time or yyyy-MM-dd HH:mm:ss (UTC)" },
    ]);
  });

  it("refuses a number", () => {
    expect(failures({ ...REQUIRED, opened_at: 1641410751927 })).toEqual([{ path: "opened_at", message: "must be a date-time string" }]);
  });
});

describe("required and typed fields", () => {
  it.each([
    ["requester_email missing", { short_description: "x" }, [{ path: "requester_email", message: "is required" }]],
    ["requester_email null", { ...REQUIRED, requester_email: null }, [{ path: "requester_email", message: "is required" }]],
    ["requester_email blank", { ...REQUIRED, requester_email: "  " }, [{ path: "requester_email", message: "is required" }]],
    ["requester_email not an email", { ...REQUIRED, requester_email: "John" }, [{ path: "requester_email", message: "must be a valid email address" }]],
    ["requester_email a number", { ...REQUIRED, requester_email: 42 }, [{ path: "requester_email", message: "must be a string" }]],
    ["short_description missing", { requester_email: "a@example.com" }, [{ path: "short_description", message: "is required" }]],
    ["short_description blank", { ...REQUIRED, short_description: " \t" }, [{ path: "short_description", message: "is required" }]],
    ["reported_by_email not an email", { ...REQUIRED, reported_by_email: "someone" }, [{ path: "reported_by_email", message: "must be a valid email address" }]],
    ["number not a string", { ...REQUIRED, number: 10100 }, [{ path: "number", message: "must be a string" }]],
    ["body not an object", ["a"], [{ path: "(body)", message: "Invalid input: expected object, received array" }]],
  ])("%s", (_, body, expected) => {
    expect(failures(body)).toEqual(expected);
  });

  it("reports every bad field at once", () => {
    const details = failures({ requester_email: "nope", impact: "urgent", priority: 9, state: "done", opened_at: "soon" });
    expect(details.map((detail) => detail.path).sort()).toEqual(
      ["impact", "opened_at", "priority", "requester_email", "short_description", "state"].sort(),
    );
  });
});

describe("serviceNowIdempotencyKey", () => {
  it.each([
    ["sys_id first", { sys_id: "9d385017c611228701d22104cc95c371", number: "INC010100" }, "9d385017c611228701d22104cc95c371"],
    ["number when there is no sys_id", { number: "INC010100" }, "INC010100"],
    ["number when sys_id is blank", { sys_id: "  ", number: "INC010100" }, "INC010100"],
    ["null without either", {}, null],
    ["null when both are blank", { sys_id: "", number: " " }, null],
  ])("%s", (_, ticket, expected) => {
    expect(serviceNowIdempotencyKey(ticket)).toBe(expected);
  });

  it("takes the parsed seed ticket's sys_id", () => {
    expect(serviceNowIdempotencyKey(serviceNowTicketSchema.parse(SEED_SERVICENOW))).toBe("9d385017c611228701d22104cc95c371");
  });
});
