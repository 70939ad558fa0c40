import { describe, expect, it } from "vitest";
import { call, countRows, createApiKey, createTenant, envelope, type TestTenant } from "../helpers";

/** Seed 000's generic HR body, fixed where the seed's own JSON is invalid (trailing comma, email "John"). */
const SEED_USER = {
  employee_id: "1111",
  first_name: "John",
  last_name: "Doe",
  email: "john.doe@example.com",
  mobile: "+1 555 0100",
  display_name: "John Doe",
};

interface Destination {
  plugin_id: string;
  webhooks: Record<"adduser" | "modifyuser" | "deleteuser", string>;
}

async function destination(tenant: TestTenant, type: "generic" | "paylocity" = "generic"): Promise<Destination> {
  const response = await call(tenant.slug, "/api/v1/provisioning-destinations", { key: tenant.key, json: { name: `HR ${type}`, type } });
  return response.json<Destination>();
}

const hr = (tenant: TestTenant, pluginId: string, action: string, json: unknown, key = tenant.key) =>
  call(tenant.slug, `/v5.0/mgmt/api/v1.0/webhooks/provisioning/${pluginId}/${action}`, { key, json });

const events = async (tenant: TestTenant) =>
  (await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { type: string; changedFields: string[]; recordId: string }[] }>()).items;

describe("HR adduser", () => {
  it("creates a User keyed by (destination, employee_id): 201 with id and URL; the webhook URL from the API works as is", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const response = await call(tenant.slug, new URL(dest.webhooks.adduser).pathname, { key: tenant.key, json: SEED_USER });
    expect(response.status).toBe(201);
    const body = await response.json<{ id: string; form: string; employee_id: string; url: string; eventSeq: number }>();
    expect(body).toMatchObject({ form: "User", employee_id: "1111" });
    expect(body.id).toMatch(/^USR\d{12}$/);
    const record = await (await call(tenant.slug, new URL(body.url).pathname, { key: tenant.key })).json<{ data: Record<string, unknown> }>();
    expect(record.data).toEqual({ ...SEED_USER });
  });

  it("defaults display_name to 'first_name last_name' and accepts a numeric employee_id", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const { display_name: _unused, ...withoutDisplay } = SEED_USER;
    const body = await (await hr(tenant, dest.plugin_id, "adduser", { ...withoutDisplay, employee_id: 1111 })).json<{ url: string }>();
    const record = await (await call(tenant.slug, new URL(body.url).pathname, { key: tenant.key })).json<{ data: Record<string, unknown> }>();
    expect(record.data).toMatchObject({ employee_id: "1111", display_name: "John Doe" });
  });

  it("replays identical data (201, Idempotent-Replayed, no event) and refuses different data with 409", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const first = await (await hr(tenant, dest.plugin_id, "adduser", SEED_USER)).json<{ id: string }>();
    const again = await hr(tenant, dest.plugin_id, "adduser", SEED_USER);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json<{ id: string }>()).id).toBe(first.id);
    const different = await hr(tenant, dest.plugin_id, "adduser", { ...SEED_USER, last_name: "Smith" });
    expect(different.status).toBe(409);
    expect((await envelope(different)).error.message).toContain("modifyuser");
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("keeps employees of different destinations apart", async () => {
    const tenant = await createTenant("hr");
    const [a, b] = [await destination(tenant), await destination(tenant)];
    const one = await (await hr(tenant, a.plugin_id, "adduser", SEED_USER)).json<{ id: string }>();
    const two = await (await hr(tenant, b.plugin_id, "adduser", { ...SEED_USER, last_name: "Other" })).json<{ id: string }>();
    expect(one.id).not.toBe(two.id);
  });
});

describe("HR modifyuser", () => {
  it("stores the diff: 201 with an update event listing only changed fields; no change is 200 with no event", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    await hr(tenant, dest.plugin_id, "adduser", SEED_USER);
    const changed = await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "1111", email: "j.doe@example.com", first_name: "John" });
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({ changedFields: ["email"] });
    const same = await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "1111", email: "j.doe@example.com" });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ changedFields: [], eventSeq: null });
    expect((await events(tenant)).map((event) => [event.type, event.changedFields])).toEqual([
      ["create", ["display_name", "email", "employee_id", "first_name", "last_name", "mobile"]],
      ["update", ["email"]],
    ]);
  });

  it("removes the mobile when sent null", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    await hr(tenant, dest.plugin_id, "adduser", SEED_USER);
    const response = await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "1111", mobile: null });
    expect(await response.json()).toMatchObject({ changedFields: ["mobile"] });
  });

  it("answers 404 for an unknown employee and stores nothing", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const response = await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "9999", email: "x@example.com" });
    expect(response.status).toBe(404);
    expect(await countRows("events", tenant.id)).toBe(0);
  });
});

describe("HR deleteuser", () => {
  it("terminates (soft delete, record kept, delete event: 201); again is 200 with no event; unknown is 404", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const { id } = await (await hr(tenant, dest.plugin_id, "adduser", SEED_USER)).json<{ id: string }>();
    const terminated = await hr(tenant, dest.plugin_id, "deleteuser", { employee_id: "1111" });
    expect(terminated.status).toBe(201);
    expect((await terminated.json<{ terminatedAt: string | null }>()).terminatedAt).not.toBeNull();
    const record = await (await call(tenant.slug, `/api/v1/records/User/${id}`, { key: tenant.key })).json<{ deletedAt: string | null; data: Record<string, unknown> }>();
    expect(record.deletedAt).not.toBeNull();
    expect(record.data).toMatchObject({ email: SEED_USER.email });
    const again = await hr(tenant, dest.plugin_id, "deleteuser", { employee_id: "1111" });
    expect(again.status).toBe(200);
    expect((await events(tenant)).map((event) => event.type)).toEqual(["create", "delete"]);
    expect((await hr(tenant, dest.plugin_id, "deleteuser", { employee_id: "404" })).status).toBe(404);
    expect((await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "1111", email: "a@b.co" })).status).toBe(404);
  });
});

describe("Paylocity destinations", () => {
  it("maps a Paylocity new hire with details to the canonical user", async () => {
    const tenant = await createTenant("pl");
    const dest = await destination(tenant, "paylocity");
    const response = await hr(tenant, dest.plugin_id, "adduser", {
      companyId: "C123",
      employeeId: "E42",
      employeeFirstName: "Ada",
      employeeLastName: "Lovelace",
      employeeWorkEMailAddress: "ada@example.com",
    });
    expect(response.status).toBe(201);
    const body = await response.json<{ url: string; idsOnly: boolean; employee_id: string }>();
    expect(body).toMatchObject({ idsOnly: false, employee_id: "E42" });
    const record = await (await call(tenant.slug, new URL(body.url).pathname, { key: tenant.key })).json<{ data: Record<string, unknown> }>();
    expect(record.data).toMatchObject({ employee_id: "E42", first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", display_name: "Ada Lovelace", company_id: "C123" });
  });

  it("stores an ids-only event with its ids and says so", async () => {
    const tenant = await createTenant("pl");
    const dest = await destination(tenant, "paylocity");
    const added = await hr(tenant, dest.plugin_id, "adduser", { companyId: "C123", employeeId: "E43" });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ idsOnly: true, message: expect.stringContaining("only ids") });
    const changed = await hr(tenant, dest.plugin_id, "modifyuser", { companyId: "C123", employeeId: "E43" });
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({ idsOnly: true, changedFields: expect.arrayContaining(["paylocity_changed_at"]) });
    const terminated = await hr(tenant, dest.plugin_id, "deleteuser", { companyId: "C123", employeeId: "E43" });
    expect(terminated.status).toBe(201);
    expect((await events(tenant)).map((event) => event.type)).toEqual(["create", "update", "delete"]);
  });

  it("rejects a Paylocity body without its ids (400 naming the field)", async () => {
    const tenant = await createTenant("pl");
    const dest = await destination(tenant, "paylocity");
    const response = await hr(tenant, dest.plugin_id, "adduser", { employeeFirstName: "Ada" });
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.details?.map((detail) => detail.path)).toContain("companyId");
  });
});

describe("HR bad input: each a 400 naming the field, nothing stored", () => {
  const cases: [string, Parameters<typeof call>[2], number, string, string | undefined][] = [
    ["malformed JSON", { body: "{nope" }, 400, "INVALID_JSON", undefined],
    ["the seed's trailing-comma JSON", { body: '{"employee_id":"1111","first_name":"John","last_name":"Doe","email":"john@example.com",}' }, 400, "INVALID_JSON", undefined],
    ["an array", { json: [SEED_USER] }, 400, "VALIDATION_FAILED", undefined],
    ["missing employee_id", { json: { ...SEED_USER, employee_id: undefined } }, 400, "VALIDATION_FAILED", "employee_id"],
    ["missing first_name", { json: { ...SEED_USER, first_name: undefined } }, 400, "VALIDATION_FAILED", "first_name"],
    ["wrong type", { json: { ...SEED_USER, last_name: 7 } }, 400, "VALIDATION_FAILED", "last_name"],
    ["the seed's invalid email", { json: { ...SEED_USER, email: "John" } }, 400, "VALIDATION_FAILED", "email"],
    ["wrong content type", { body: JSON.stringify(SEED_USER), contentType: "text/plain" }, 415, "UNSUPPORTED_MEDIA_TYPE", undefined],
    ["oversized body", { json: { ...SEED_USER, notes: "x".repeat(1024 * 1024) } }, 413, "PAYLOAD_TOO_LARGE", undefined],
  ];
  it.each(cases)("%s", async (_label, options, status, code, field) => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const response = await call(tenant.slug, `/v5.0/mgmt/api/v1.0/webhooks/provisioning/${dest.plugin_id}/adduser`, { key: tenant.key, ...options });
    expect(response.status).toBe(status);
    const body = await envelope(response);
    expect(body.error.code).toBe(code);
    if (field) expect(body.error.details?.map((detail) => detail.path)).toContain(field);
    expect(await countRows("records", tenant.id)).toBe(0);
  });

  it("keeps unknown fields as data", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    const body = await (await hr(tenant, dest.plugin_id, "adduser", { ...SEED_USER, cost_center: "R&D" })).json<{ url: string }>();
    const record = await (await call(tenant.slug, new URL(body.url).pathname, { key: tenant.key })).json<{ data: Record<string, unknown> }>();
    expect(record.data.cost_center).toBe("R&D");
  });
});

describe("HR security and destinations", () => {
  it("unknown, deleted and foreign plugin_ids are 404", async () => {
    const tenant = await createTenant("hr");
    const other = await createTenant("other");
    const foreign = await destination(other);
    expect((await hr(tenant, "nope", "adduser", SEED_USER)).status).toBe(404);
    expect((await hr(tenant, foreign.plugin_id, "adduser", SEED_USER)).status).toBe(404);
    const dest = await destination(tenant);
    await call(tenant.slug, `/api/v1/provisioning-destinations/${dest.plugin_id}`, { key: tenant.key, method: "DELETE" });
    expect((await hr(tenant, dest.plugin_id, "adduser", SEED_USER)).status).toBe(404);
    expect(await countRows("records", tenant.id)).toBe(0);
  });

  it("no key or another tenant's key is 401; a tickets-only key is 403; service accounts work", async () => {
    const tenant = await createTenant("hr");
    const other = await createTenant("other");
    const dest = await destination(tenant);
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    expect((await call(tenant.slug, `/v5.0/mgmt/api/v1.0/webhooks/provisioning/${dest.plugin_id}/adduser`, { json: SEED_USER })).status).toBe(401);
    expect((await hr(tenant, dest.plugin_id, "adduser", SEED_USER, other.key)).status).toBe(401);
    expect((await hr(tenant, dest.plugin_id, "adduser", SEED_USER, ticketsOnly.key)).status).toBe(403);
    const { admin } = await import("../helpers");
    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "hr@example.com", password: "hr service password" } });
    const viaAccount = await call(tenant.slug, `/v5.0/mgmt/api/v1.0/webhooks/provisioning/${dest.plugin_id}/adduser`, {
      authorization: `Basic ${btoa("hr@example.com:hr service password")}`,
      json: SEED_USER,
    });
    expect(viaAccount.status).toBe(201);
  });

  it("every accepted request is in the inbound log and the event feed, in order", async () => {
    const tenant = await createTenant("hr");
    const dest = await destination(tenant);
    await hr(tenant, dest.plugin_id, "adduser", SEED_USER);
    await hr(tenant, dest.plugin_id, "modifyuser", { employee_id: "1111", email: "new@example.com" });
    await hr(tenant, dest.plugin_id, "deleteuser", { employee_id: "1111" });
    expect((await events(tenant)).map((event) => event.type)).toEqual(["create", "update", "delete"]);
    let log: { status: number; path: string }[] = [];
    for (let attempt = 0; attempt < 50 && log.length < 3; attempt++) {
      log = (await (await call(tenant.slug, "/api/v1/inbound-requests", { key: tenant.key })).json<{ items: typeof log }>()).items;
    }
    expect(log.map((entry) => entry.path.split("/").pop()).reverse()).toEqual(["adduser", "modifyuser", "deleteuser"]);
  });
});
