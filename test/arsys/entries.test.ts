import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, SEED_TICKET, TICKET_PATH, call, createTenant, type TestTenant } from "../helpers";

const FORM = "HPD:Help Desk";
const ENTRY = `/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`;

async function createEntry(tenant: TestTenant, values: Record<string, unknown>): Promise<string> {
  const response = await call(tenant.slug, ENTRY, { key: tenant.key, json: { values } });
  expect(response.status).toBe(201);
  return response.headers.get("location")!.split("/").pop()!;
}

async function events(tenant: TestTenant) {
  return (await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { type: string; recordId: string; changedFields: string[] }[] }>()).items;
}

describe("AR entry API", () => {
  it("creates an entry: 201, Location with a 15-digit entry id, a create event", async () => {
    const tenant = await createTenant("ar");
    const response = await call(tenant.slug, ENTRY, { key: tenant.key, json: { values: { Status: "New", Description: "VPN down" } } });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe(`http://${tenant.slug}.${BASE_DOMAIN}${ENTRY}/000000000000001`);
    expect(await events(tenant)).toMatchObject([{ type: "create", recordId: "000000000000001" }]);
  });

  it("reads an entry as {entryId, values, _links}", async () => {
    const tenant = await createTenant("ar");
    const id = await createEntry(tenant, { Status: "New" });
    const response = await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key });
    expect(await response.json()).toEqual({
      entryId: id,
      values: { Status: "New" },
      _links: { self: [{ href: `http://${tenant.slug}.${BASE_DOMAIN}${ENTRY}/${id}` }] },
    });
  });

  it("updates with PUT (204): the update event lists only the changed fields; no change, no event", async () => {
    const tenant = await createTenant("ar");
    const id = await createEntry(tenant, { Status: "New", Impact: "Low" });
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "PUT", json: { values: { Status: "Closed", Impact: "Low" } } })).status).toBe(204);
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "PUT", json: { values: { Status: "Closed" } } })).status).toBe(204);
    expect((await events(tenant)).map((event) => [event.type, event.changedFields])).toEqual([
      ["create", ["Impact", "Status"]],
      ["update", ["Status"]],
    ]);
  });

  it("deletes (204): a delete event, then 404", async () => {
    const tenant = await createTenant("ar");
    const id = await createEntry(tenant, { Status: "New" });
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key })).status).toBe(404);
    expect((await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect((await events(tenant)).map((event) => event.type)).toEqual(["create", "delete"]);
  });

  it("merges: a new entry, or into the one named by 'Request ID', as merge events", async () => {
    const tenant = await createTenant("ar");
    const merge = `/api/arsys/v1.0/mergeEntry/${encodeURIComponent(FORM)}`;
    const created = await call(tenant.slug, merge, { key: tenant.key, json: { values: { Status: "New" } } });
    expect(created.status).toBe(201);
    const id = created.headers.get("location")!.split("/").pop()!;
    const merged = await call(tenant.slug, merge, { key: tenant.key, json: { values: { "Request ID": id, Status: "Assigned" } } });
    expect(merged.status).toBe(201);
    expect(merged.headers.get("location")).toContain(`/${id}`);
    expect((await events(tenant)).map((event) => [event.type, event.recordId])).toEqual([
      ["merge", id],
      ["merge", id],
    ]);
    const entry = await (await call(tenant.slug, `${ENTRY}/${id}`, { key: tenant.key })).json<{ values: Record<string, unknown> }>();
    expect(entry.values).toEqual({ Status: "Assigned" });
  });

  it("lists live entries of a form", async () => {
    const tenant = await createTenant("ar");
    const first = await createEntry(tenant, { n: 1 });
    const second = await createEntry(tenant, { n: 2 });
    await call(tenant.slug, `${ENTRY}/${first}`, { key: tenant.key, method: "DELETE" });
    const list = await (await call(tenant.slug, ENTRY, { key: tenant.key })).json<{ entries: { entryId: string }[] }>();
    expect(list.entries.map((entry) => entry.entryId)).toEqual([second]);
  });

  it("reads records written by the inbound connectors (form Ticket)", async () => {
    const tenant = await createTenant("ar");
    const ticket = await (await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET })).json<{ id: string }>();
    const entry = await call(tenant.slug, `/api/arsys/v1.0/entry/Ticket/${ticket.id}`, { key: tenant.key });
    expect(entry.status).toBe(200);
    expect(await entry.json()).toMatchObject({ entryId: ticket.id, values: { title: SEED_TICKET.title } });
  });

  it.each([
    ["no values", {}],
    ["values not an object", { values: [1, 2] }],
  ])("rejects %s with 400 and stores nothing", async (_label, json) => {
    const tenant = await createTenant("ar");
    const response = await call(tenant.slug, ENTRY, { key: tenant.key, json });
    expect(response.status).toBe(400);
    expect(Array.isArray(await response.json())).toBe(true);
    expect(await events(tenant)).toEqual([]);
  });

  it("keeps tenants apart: 401 with another tenant's key, 404 for another tenant's entry", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    const id = await createEntry(a, { secret: "a's" });
    expect((await call(a.slug, `${ENTRY}/${id}`, { key: b.key })).status).toBe(401);
    expect((await call(b.slug, `${ENTRY}/${id}`, { key: b.key })).status).toBe(404);
    expect((await call(b.slug, `${ENTRY}/${id}`, { key: b.key, method: "PUT", json: { values: { x: 1 } } })).status).toBe(404);
    expect((await call(a.slug, ENTRY, { json: { values: {} } })).status).toBe(401);
  });
});
