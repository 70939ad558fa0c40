import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, createTenant, envelope, waitForInboundLog } from "../helpers";
import { SEED_SERVICENOW } from "../seed-bodies";

async function postTickets(tenant: { slug: string; key: string }, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { ...SEED_TICKET, title: `T${index}` } });
    ids.push((await response.json<{ id: string }>()).id);
  }
  return ids;
}

describe("records API", () => {
  it("GET one record; unknown id or bad form is 404/400; tenant B cannot read A's record", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    const [id] = await postTickets(a, 1);
    const found = await call(a.slug, `/api/v1/records/Ticket/${id}`, { key: a.key });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id, form: "Ticket", version: 1, deletedAt: null });

    const missing = await call(a.slug, "/api/v1/records/Ticket/TKT999999999999", { key: a.key });
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("NOT_FOUND");
    expect((await call(a.slug, `/api/v1/records/${encodeURIComponent("bad!form")}/x`, { key: a.key })).status).toBe(400);

    expect((await call(b.slug, `/api/v1/records/Ticket/${id}`, { key: b.key })).status).toBe(404);
    expect((await call(b.slug, `/api/v1/records/Ticket/${id}`, { key: a.key })).status).toBe(401);
    expect((await call(a.slug, `/api/v1/records/Ticket/${id}`, {})).status).toBe(401);
  });

  it("lists a form's records in id order with a cursor", async () => {
    const tenant = await createTenant();
    const ids = await postTickets(tenant, 5);
    const first = await (await call(tenant.slug, "/api/v1/records/Ticket?limit=2", { key: tenant.key })).json<{ items: { id: string }[]; nextCursor: string }>();
    expect(first.items.map((item) => item.id)).toEqual(ids.slice(0, 2));
    const second = await (await call(tenant.slug, `/api/v1/records/Ticket?limit=2&cursor=${first.nextCursor}`, { key: tenant.key })).json<{ items: { id: string }[]; nextCursor: string }>();
    expect(second.items.map((item) => item.id)).toEqual(ids.slice(2, 4));
    const last = await (await call(tenant.slug, `/api/v1/records/Ticket?limit=2&cursor=${second.nextCursor}`, { key: tenant.key })).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(last.items.map((item) => item.id)).toEqual(ids.slice(4));
    expect(last.nextCursor).toBeNull();
  });

  it.each(["limit=0", "limit=501", "limit=abc"])("rejects ?%s with VALIDATION_FAILED", async (query) => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, `/api/v1/records/Ticket?${query}`, { key: tenant.key });
    expect(response.status).toBe(400);
    expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
  });
});

describe("events feed", () => {
  it("returns the tenant's events in commit order, paged by ?after", async () => {
    const tenant = await createTenant();
    const other = await createTenant("other");
    const ids = await postTickets(tenant, 3);
    await postTickets(other, 2);
    const feed = await (await call(tenant.slug, "/api/v1/events?limit=2", { key: tenant.key })).json<{ items: { seq: number; recordId: string }[]; nextAfter: number }>();
    expect(feed.items.map((event) => event.recordId)).toEqual(ids.slice(0, 2));
    expect(feed.items[0]!.seq).toBeLessThan(feed.items[1]!.seq);
    const rest = await (await call(tenant.slug, `/api/v1/events?after=${feed.nextAfter}`, { key: tenant.key })).json<{ items: { recordId: string }[]; nextAfter: number }>();
    expect(rest.items.map((event) => event.recordId)).toEqual(ids.slice(2));
    const empty = await (await call(tenant.slug, `/api/v1/events?after=${rest.nextAfter}`, { key: tenant.key })).json<{ items: unknown[]; nextAfter: number }>();
    expect(empty).toEqual({ items: [], nextAfter: rest.nextAfter });
  });

  it("rejects a negative ?after and no key", async () => {
    const tenant = await createTenant();
    expect((await call(tenant.slug, "/api/v1/events?after=-1", { key: tenant.key })).status).toBe(400);
    expect((await call(tenant.slug, "/api/v1/events", {})).status).toBe(401);
  });
});

describe("inbound request log API", () => {
  it("shows only the tenant's own requests, newest first, and pages", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    await postTickets(a, 3);
    await postTickets(b, 1);
    // The log is written after the response; wait for all three rows.
    let items: { recordId: string | null; receivedAt: string }[] = [];
    for (let attempt = 0; attempt < 50 && items.length < 3; attempt++) {
      items = (await (await call(a.slug, "/api/v1/inbound-requests", { key: a.key })).json<{ items: typeof items }>()).items;
    }
    expect(items).toHaveLength(3);
    const times = items.map((item) => Date.parse(item.receivedAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    const page = await (await call(a.slug, "/api/v1/inbound-requests?limit=2", { key: a.key })).json<{ items: unknown[]; nextBefore: number | null }>();
    expect(page.items).toHaveLength(2);
    expect(page.nextBefore).not.toBeNull();
    expect((await call(a.slug, "/api/v1/inbound-requests", { key: b.key })).status).toBe(401);
  });

  it("filters by source and by status class or exact status", async () => {
    const tenant = await createTenant("filters");
    const sent = [
      await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET }),
      await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { title: "no email" } }),
      await call(tenant.slug, "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow", { key: tenant.key, json: SEED_SERVICENOW }),
    ];
    expect(sent.map((response) => response.status)).toEqual([201, 400, 201]);
    for (const response of sent) await waitForInboundLog(tenant.id, response.headers.get("x-request-id")!);
    type Item = { source: string; status: number; code: string | null; error: string | null };
    const list = async (query: string) => (await (await call(tenant.slug, `/api/v1/inbound-requests${query}`, { key: tenant.key })).json<{ items: Item[] }>()).items;

    expect((await list("?source=helpdesk.servicenow")).map((item) => item.status)).toEqual([201]);
    expect((await list("?source=helpdesk.createticket")).map((item) => item.status)).toEqual([400, 201]);
    expect((await list("?status=2xx")).map((item) => item.source).sort()).toEqual(["helpdesk.createticket", "helpdesk.servicenow"]);
    const rejected = await list("?status=4xx&source=helpdesk.createticket");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    expect(rejected[0]!.error).toBeTruthy();
    expect(await list("?status=400")).toHaveLength(1);
    expect(await list("?status=404")).toEqual([]);
    expect(await list("?source=hr.provisioning")).toEqual([]);
  });

  it("rejects a malformed status filter with 400 VALIDATION_FAILED", async () => {
    const tenant = await createTenant("filters");
    for (const status of ["4XX", "600", "ok", "40"]) {
      const response = await call(tenant.slug, `/api/v1/inbound-requests?status=${status}`, { key: tenant.key });
      expect(response.status, status).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
  });
});
