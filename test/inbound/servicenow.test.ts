import { describe, expect, it } from "vitest";
import { call, countRows, createApiKey, createTenant, envelope, type TestTenant } from "../helpers";
import { SEED_SERVICENOW } from "../seed-bodies";

const PATH = "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow";

const SEED = SEED_SERVICENOW;

const post = (tenant: TestTenant, json: unknown) => call(tenant.slug, PATH, { key: tenant.key, json });
const record = async (tenant: TestTenant, id: string) =>
  (await (await call(tenant.slug, `/api/v1/records/Ticket/${id}`, { key: tenant.key })).json<{ data: Record<string, unknown>; version: number }>());
const events = async (tenant: TestTenant) =>
  (await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { type: string; changedFields: string[] }[] }>()).items;

describe("POST servicenow (seed 000 ServiceNow TICKETS)", () => {
  it("accepts the seed body: 201, a Ticket with normalised values, raw values kept, other fields in the first comment", async () => {
    const tenant = await createTenant("sn");
    const response = await post(tenant, SEED);
    expect(response.status).toBe(201);
    const body = await response.json<{ id: string; url: string }>();
    expect(body.id).toMatch(/^TKT\d{12}$/);
    const { data } = await record(tenant, body.id);
    expect(data).toMatchObject({
      title: "Test Ticket",
      requester_email: SEED.requester_email,
      impact: "low",
      urgency: "medium",
      priority: "high",
      state: "new",
      opened_at: "2022-01-05T19:25:51.927Z",
      sys_id: SEED.sys_id,
      servicenow_raw: { impact: "low", urgency: "medium", priority: "high", state: "open", opened_at: SEED.opened_at },
    });
    const comment = String(data.first_comment);
    for (const line of ["Number: INC010100", "Category: network", "Subcategory: ldap", "Reported by email: someone@optimalidm.com", "Description: Description of the Incident"]) {
      expect(comment).toContain(line);
    }
  });

  it.each([
    [{ impact: 1, urgency: "2", priority: 5, state: 7 }, { impact: "high", urgency: "medium", priority: "planning", state: "closed" }],
    [{ impact: "3 - Low", priority: "1 - Critical", state: "In Progress" }, { impact: "low", priority: "critical", state: "in_progress" }],
    [{ opened_at: "2022-01-05 19:25:51" }, { opened_at: "2022-01-05T19:25:51.000Z" }],
  ])("normalises labels and codes: %j", async (fields, expected) => {
    const tenant = await createTenant("sn");
    const { id } = await (await post(tenant, { ...SEED, ...fields })).json<{ id: string }>();
    expect((await record(tenant, id)).data).toMatchObject(expected);
  });

  it("replays the same incident: 201, same ticket, Idempotent-Replayed, nothing new stored", async () => {
    const tenant = await createTenant("sn");
    const first = await (await post(tenant, SEED)).json<{ id: string }>();
    const again = await post(tenant, SEED);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json<{ id: string }>()).id).toBe(first.id);
    expect(await countRows("records", tenant.id)).toBe(1);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  it("updates the ticket when a known sys_id comes back changed: an update event with only the changed fields", async () => {
    const tenant = await createTenant("sn");
    const first = await (await post(tenant, SEED)).json<{ id: string }>();
    const changed = await post(tenant, { ...SEED, state: 6, description: "Fixed by restarting LDAP" });
    expect(changed.status).toBe(201);
    expect(changed.headers.get("idempotent-replayed")).toBeNull();
    expect((await changed.json<{ id: string }>()).id).toBe(first.id);
    const [, update] = await events(tenant);
    expect(update!.type).toBe("update");
    expect(update!.changedFields).toEqual(["description", "first_comment", "servicenow_raw", "state", "status"]);
    expect((await record(tenant, first.id)).data).toMatchObject({ state: "resolved", description: "Fixed by restarting LDAP" });
  });

  it("falls back to number when there is no sys_id, and creates one ticket per incident", async () => {
    const tenant = await createTenant("sn");
    const { sys_id: _ignored, ...withoutSysId } = SEED;
    const a = await (await post(tenant, withoutSysId)).json<{ id: string }>();
    const b = await post(tenant, withoutSysId);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect((await b.json<{ id: string }>()).id).toBe(a.id);
    await post(tenant, { ...withoutSysId, number: "INC010101" });
    expect(await countRows("records", tenant.id)).toBe(2);
  });

  it("creates exactly one ticket when the same incident arrives concurrently", async () => {
    const tenant = await createTenant("sn");
    const responses = await Promise.all([1, 2, 3].map(() => post(tenant, SEED)));
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201]);
    expect(await countRows("records", tenant.id)).toBe(1);
    expect(await countRows("events", tenant.id)).toBe(1);
  });

  describe("bad input: 400 naming the field, nothing stored", () => {
    it.each([
      ["unknown impact", { ...SEED, impact: "urgent" }, "impact"],
      ["unknown state", { ...SEED, state: 4 }, "state"],
      ["bad opened_at", { ...SEED, opened_at: "yesterday" }, "opened_at"],
      ["missing requester_email", { ...SEED, requester_email: undefined }, "requester_email"],
      ["invalid requester_email", { ...SEED, requester_email: "john" }, "requester_email"],
      ["missing short_description", { ...SEED, short_description: undefined }, "short_description"],
      ["array body", [SEED], "(body)"],
    ])("%s", async (_label, json, field) => {
      const tenant = await createTenant("sn");
      const response = await post(tenant, json);
      expect(response.status).toBe(400);
      const body = await envelope(response);
      expect(body.error.code).toBe("VALIDATION_FAILED");
      expect(body.error.details?.map((detail) => detail.path)).toContain(field);
      expect(await countRows("records", tenant.id)).toBe(0);
    });

    it("trailing-comma JSON is 400 INVALID_JSON", async () => {
      const tenant = await createTenant("sn");
      const response = await call(tenant.slug, PATH, { key: tenant.key, body: JSON.stringify(SEED).replace(/}$/, ",}") });
      expect(response.status).toBe(400);
      expect((await envelope(response)).error.code).toBe("INVALID_JSON");
    });
  });

  describe("security", () => {
    it("no key, a wrong key, another tenant's key: 401; an hr-only key: 403; nothing stored", async () => {
      const tenant = await createTenant("sn");
      const other = await createTenant("other");
      const hrOnly = await createApiKey(tenant.slug, ["hr"]);
      expect((await call(tenant.slug, PATH, { json: SEED })).status).toBe(401);
      expect((await call(tenant.slug, PATH, { key: "hg_nope_000000000000000000000000000000", json: SEED })).status).toBe(401);
      expect((await call(tenant.slug, PATH, { key: other.key, json: SEED })).status).toBe(401);
      expect((await call(tenant.slug, PATH, { key: hrOnly.key, json: SEED })).status).toBe(403);
      expect(await countRows("records", tenant.id)).toBe(0);
    });
  });
});
