import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, envelope, shardOf, type TestTenant } from "../helpers";

const STATUS = { id: 7, name: "Status", type: "selection", options: { "0": "New", "1": "Assigned", "2": "In Progress", "3": "Pending", "4": "Resolved", "5": "Closed" } };
const HELP_DESK = {
  fields: [STATUS, { id: 1000000000, name: "Description", type: "character" }, { id: 1000000351, name: "Attachment1", type: "attachment" }],
};
const FORM = "/api/v1/forms/HPD%3AHelp%20Desk";

interface ArMessage {
  messageType: string;
  messageText: string;
  messageAppendedText: string;
  messageNumber: number;
}

const define = (tenant: TestTenant, json: unknown = HELP_DESK, path = FORM) => call(tenant.slug, path, { key: tenant.key, method: "PUT", json });

async function storedFields(tenant: TestTenant): Promise<string | null> {
  const row = await (await shardOf(tenant.id)).prepare("SELECT fields FROM forms WHERE tenant_id = ? AND name_key = ?").bind(tenant.id, "hpd:help desk").first<{ fields: string | null }>();
  return row?.fields ?? null;
}

describe("form definitions API", () => {
  it("stores a definition (200 with what is stored) and reads it back", async () => {
    const tenant = await createTenant("forms");
    const put = await define(tenant);
    expect(put.status).toBe(200);
    const stored = await put.json<{ form: string; fields: unknown[]; updatedAt: number }>();
    expect(stored).toMatchObject({ form: "HPD:Help Desk", fields: HELP_DESK.fields });
    const read = await call(tenant.slug, FORM, { key: tenant.key });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(stored);
  });

  it("resolves the form's name ignoring case: the first spelling written stays its name", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const again = await define(tenant, { fields: [STATUS] }, "/api/v1/forms/hpd%3Ahelp%20desk");
    expect(await again.json()).toMatchObject({ form: "HPD:Help Desk", fields: [STATUS] });
    expect(await (await call(tenant.slug, "/api/v1/forms/HPD%3AHELP%20DESK", { key: tenant.key })).json()).toMatchObject({ form: "HPD:Help Desk", fields: [STATUS] });
  });

  it("keeps the name a form already has from its records", async () => {
    const tenant = await createTenant("forms");
    expect((await call(tenant.slug, "/api/arsys/v1.0/entry/Widget", { key: tenant.key, json: { values: { A: 1 } } })).status).toBe(201);
    const put = await define(tenant, { fields: [{ id: 8, name: "A", type: "integer" }] }, "/api/v1/forms/WIDGET");
    expect(await put.json()).toMatchObject({ form: "Widget" });
  });

  it("is 404 NOT_FOUND for a form without a definition, schemaless or never written", async () => {
    const tenant = await createTenant("forms");
    await call(tenant.slug, "/api/arsys/v1.0/entry/Widget", { key: tenant.key, json: { values: { A: 1 } } });
    for (const path of ["/api/v1/forms/Widget", "/api/v1/forms/Nothing"]) {
      const response = await call(tenant.slug, path, { key: tenant.key });
      expect(response.status).toBe(404);
      expect((await envelope(response)).error.code).toBe("NOT_FOUND");
    }
  });

  it.each<[string, unknown, string]>([
    ["a repeated id", { fields: [STATUS, { id: 7, name: "Other", type: "integer" }] }, "fields.1.id"],
    ["a name repeated ignoring case", { fields: [STATUS, { id: 8, name: "status", type: "integer" }] }, "fields.1.name"],
    ["options on a non-selection field", { fields: [{ id: 8, name: "A", type: "integer", options: { "0": "x" } }] }, "fields.0.options"],
    ["a negative option key", { fields: [{ ...STATUS, options: { "-1": "Never" } }] }, "fields.0.options.-1"],
    ["an unknown type", { fields: [{ id: 8, name: "A", type: "blob" }] }, "fields.0.type"],
    ["no fields array", { field: [] }, "fields"],
  ])("rejects %s with 400 VALIDATION_FAILED naming it, and changes nothing", async (_, body, path) => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const before = await storedFields(tenant);
    const response = await define(tenant, body);
    expect(response.status).toBe(400);
    const error = (await envelope(response)).error;
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.map((detail) => detail.path)).toContain(path);
    expect(await storedFields(tenant)).toBe(before);
  });

  it("rejects a form name that is not one (400)", async () => {
    const tenant = await createTenant("forms");
    expect((await define(tenant, HELP_DESK, "/api/v1/forms/%24bad")).status).toBe(400);
  });

  it("needs a key with scope api: none 401, a wrong one 401, another tenant's 401, a key without the scope 403", async () => {
    const tenant = await createTenant("forms");
    const other = await createTenant("forms");
    await define(tenant);
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    for (const method of ["GET", "PUT", "DELETE"]) {
      const json = method === "PUT" ? { fields: [] } : undefined;
      expect((await call(tenant.slug, FORM, { method, json, key: null })).status).toBe(401);
      expect((await call(tenant.slug, FORM, { method, json, key: "hg_wrong_key_0123456789" })).status).toBe(401);
      expect((await call(tenant.slug, FORM, { method, json, key: other.key })).status).toBe(401);
      expect((await call(tenant.slug, FORM, { method, json, key: ticketsOnly.key })).status).toBe(403);
    }
    // Another tenant's own namespace has no such definition: nothing crosses.
    expect((await call(other.slug, FORM, { key: other.key })).status).toBe(404);
    expect(await storedFields(tenant)).toBe(JSON.stringify(HELP_DESK.fields));
  });

  it("two racing PUTs of one form: both answer 200, and what is stored is one of them whole, never a mix", async () => {
    const tenant = await createTenant("forms");
    const first = { fields: [STATUS, { id: 8, name: "First", type: "integer" }] };
    const second = { fields: [{ id: 9, name: "Second", type: "character" }, { id: 10, name: "Also Second", type: "date" }] };
    for (let round = 0; round < 5; round++) {
      const responses = await Promise.all([define(tenant, first), define(tenant, second)]);
      expect(responses.map((response) => response.status)).toEqual([200, 200]);
      const stored = JSON.parse((await storedFields(tenant))!) as unknown;
      expect([first.fields, second.fields]).toContainEqual(stored);
      const read = await (await call(tenant.slug, FORM, { key: tenant.key })).json<{ fields: unknown }>();
      expect(read.fields).toEqual(stored);
    }
  });
});

describe("DELETE /api/v1/forms/{form}", () => {
  it("makes the form schemaless again: 204, then GET 404, entries take any values; a second DELETE is 404", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const refused = await call(tenant.slug, "/api/arsys/v1.0/entry/HPD%3AHelp%20Desk", { key: tenant.key, json: { values: { Anything: 1 } } });
    expect(refused.status).toBe(400);
    expect((await call(tenant.slug, "/api/v1/forms/hpd%3Ahelp%20desk", { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await storedFields(tenant)).toBeNull();
    expect((await call(tenant.slug, FORM, { key: tenant.key })).status).toBe(404);
    const accepted = await call(tenant.slug, "/api/arsys/v1.0/entry/HPD%3AHelp%20Desk", { key: tenant.key, json: { values: { Anything: 1 } } });
    expect(accepted.status).toBe(201);
    const again = await call(tenant.slug, FORM, { key: tenant.key, method: "DELETE" });
    expect(again.status).toBe(404);
    expect((await envelope(again)).error.code).toBe("NOT_FOUND");
  });

  it("two racing DELETEs: one 204, one 404; a DELETE racing a PUT leaves either nothing or the PUT's definition whole", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const statuses = (await Promise.all([1, 2].map(() => call(tenant.slug, FORM, { key: tenant.key, method: "DELETE" })))).map((response) => response.status);
    expect(statuses.sort()).toEqual([204, 404]);
    const [put, removed] = await Promise.all([define(tenant), call(tenant.slug, FORM, { key: tenant.key, method: "DELETE" })]);
    expect(put.status).toBe(200);
    expect([204, 404]).toContain(removed.status);
    const stored = await storedFields(tenant);
    expect([null, JSON.stringify(HELP_DESK.fields)]).toContain(stored);
  });
});

describe("AR field metadata: GET /api/arsys/v1.0/fields/{formName}", () => {
  it("lists a defined form's fields in AR's shape", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const response = await call(tenant.slug, "/api/arsys/v1.0/fields/HPD%3Ahelp%20desk", { key: tenant.key });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { id: 7, name: "Status", datatype: "ENUM", field_type: "DATA", options: STATUS.options },
      { id: 1000000000, name: "Description", datatype: "CHAR", field_type: "DATA" },
      { id: 1000000351, name: "Attachment1", datatype: "ATTACH", field_type: "DATA" },
    ]);
  });

  it("answers errors in AR's array: 404 for an undefined form, 401 without a key", async () => {
    const tenant = await createTenant("forms");
    const missing = await call(tenant.slug, "/api/arsys/v1.0/fields/Nothing", { key: tenant.key });
    expect(missing.status).toBe(404);
    expect((await missing.json<ArMessage[]>())[0]).toMatchObject({ messageType: "ERROR", messageNumber: 302 });
    const anonymous = await call(tenant.slug, "/api/arsys/v1.0/fields/Nothing", { key: null });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json<ArMessage[]>())[0]).toMatchObject({ messageNumber: 623 });
  });
});

describe("AR entry API on a defined form", () => {
  const ENTRY = "/api/arsys/v1.0/entry/HPD%3AHelp%20Desk";
  const entryOf = (response: Response) => response.headers.get("location")!.split("/").pop()!;
  const record = async (tenant: TestTenant, id: string) =>
    (await (await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key })).json<{ values: Record<string, unknown> }>()).values;

  it("stores values by field name and selections as their index, whether sent by id, name, label or index", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const created = await call(tenant.slug, ENTRY, { key: tenant.key, json: { values: { "7": "Assigned", "1000000000": "Printer jam" } } });
    expect(created.status).toBe(201);
    const id = entryOf(created);
    expect(await record(tenant, id)).toEqual({ Status: 1, Description: "Printer jam" });
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "PUT", json: { values: { Status: "5" } } })).status).toBe(204);
    expect(await record(tenant, id)).toEqual({ Status: 5, Description: "Printer jam" });
    const merged = await call(tenant.slug, "/api/arsys/v1.0/mergeEntry/HPD%3AHelp%20Desk", { key: tenant.key, json: { values: { "Request ID": id, status: "in progress" } } });
    expect(merged.status).toBe(201);
    expect(await record(tenant, id)).toEqual({ Status: 2, Description: "Printer jam" });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["an unknown selection label", { Status: "Gone" }, "values.Status"],
    ["a selection index it does not have", { "7": 9 }, "values.7"],
    ["a number in a character field", { Description: 42 }, "values.Description"],
    ["a field the form does not define", { Summary: "x" }, "values.Summary"],
  ])("refuses %s with 400 in AR's error array, writing nothing", async (_, values, path) => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const response = await call(tenant.slug, ENTRY, { key: tenant.key, json: { values } });
    expect(response.status).toBe(400);
    const [message] = await response.json<ArMessage[]>();
    expect(message).toMatchObject({ messageType: "ERROR", messageNumber: 326 });
    expect(message!.messageAppendedText).toContain("Value does not fall within the limits specified for the field");
    expect(message!.messageAppendedText).toContain(path);
    const events = await (await shardOf(tenant.id)).prepare("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(events?.n).toBe(0);
  });

  it("leaves forms without a definition schemaless", async () => {
    const tenant = await createTenant("forms");
    const created = await call(tenant.slug, "/api/arsys/v1.0/entry/Widget", { key: tenant.key, json: { values: { "7": "anything", Status: "Gone", n: [1] } } });
    expect(created.status).toBe(201);
    const values = (await (await call(tenant.slug, `/api/arsys/v1.0/entry/Widget/${entryOf(created)}`, { key: tenant.key })).json<{ values: unknown }>()).values;
    expect(values).toEqual({ "7": "anything", Status: "Gone", n: [1] });
  });

  it("records on each event who made the change and, on an update, what the changed fields held before", async () => {
    const tenant = await createTenant("forms");
    await define(tenant);
    const id = entryOf(await call(tenant.slug, ENTRY, { key: tenant.key, json: { values: { Status: "New", Description: "d" } } }));
    await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "PUT", json: { values: { Status: "Closed" } } });
    const rows = await (await shardOf(tenant.id)).prepare("SELECT type, actor, previous FROM events WHERE tenant_id = ? ORDER BY seq").bind(tenant.id).all<{ type: string; actor: string; previous: string | null }>();
    expect(rows.results).toEqual([
      { type: "create", actor: `api_key:${tenant.keyId}`, previous: null },
      { type: "update", actor: `api_key:${tenant.keyId}`, previous: JSON.stringify({ Status: 0 }) },
    ]);
    // The ticket and HR webhooks name their principal too; here the service account's Basic credentials.
    const ticket = await call(tenant.slug, "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket", {
      key: tenant.key,
      json: { requester_email: "a@example.com", title: "t", description: "d" },
    });
    expect(ticket.status).toBe(201);
    const ticketActor = await (await shardOf(tenant.id)).prepare("SELECT actor FROM events WHERE tenant_id = ? AND form = 'Ticket'").bind(tenant.id).first<{ actor: string }>();
    expect(ticketActor!.actor).toBe(`api_key:${tenant.keyId}`);
    // Erasure leaves tombstones with no values, the earlier ones included.
    expect((await call(tenant.slug, `/api/v1/records/HPD%3AHelp%20Desk/${id}?erase=true`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    const erased = await (await shardOf(tenant.id)).prepare("SELECT previous FROM events WHERE tenant_id = ? AND form = 'HPD:Help Desk'").bind(tenant.id).all<{ previous: string | null }>();
    expect(erased.results).toEqual([{ previous: null }, { previous: null }]);
  });
});
