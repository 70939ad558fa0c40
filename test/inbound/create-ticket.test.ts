import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  BASE_DOMAIN,
  SEED_TICKET,
  TICKET_PATH,
  call,
  countRows,
  createTenant,
  envelope,
  type TestTenant,
  waitForAnonymousLog,
  waitForInboundLog,
  shardOf,
} from "../helpers";

async function expectNothingStored(tenant: TestTenant) {
  expect(await countRows("records", tenant.id)).toBe(0);
  expect(await countRows("events", tenant.id)).toBe(0);
}

describe("POST createticket (seed 000 generic TICKETS)", () => {
  it("creates a Ticket record and its create event in D1 and answers 201 with id and URL", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, TICKET_PATH, {
      key: tenant.key,
      json: { ...SEED_TICKET, priority: "high", category: "network", extra: { nested: true } },
    });
    expect(response.status).toBe(201);
    const body = await response.json<{ id: string; form: string; url: string; eventSeq: number; version: number }>();
    expect(body.id).toMatch(/^TKT\d{12}$/);
    expect(body.form).toBe("Ticket");
    expect(body.version).toBe(1);
    expect(body.url).toBe(`http://${tenant.slug}.${BASE_DOMAIN}/api/v1/records/Ticket/${body.id}`);

    const record = await call(tenant.slug, `/api/v1/records/Ticket/${body.id}`, { key: tenant.key });
    expect(record.status).toBe(200);
    const stored = await record.json<{ data: Record<string, unknown> }>();
    expect(stored.data).toMatchObject({
      requester_email: SEED_TICKET.requester_email,
      title: SEED_TICKET.title,
      description: SEED_TICKET.description,
      first_comment: 'Priority: high\nCategory: network\nExtra: {"nested":true}',
      fields: { priority: "high", category: "network", extra: { nested: true } },
    });

    const event = await (await shardOf(tenant.id)).prepare("SELECT * FROM events WHERE tenant_id = ? AND seq = ?").bind(tenant.id, body.eventSeq).first<Record<string, unknown>>();
    expect(event).toMatchObject({ tenant_id: tenant.id, form: "Ticket", record_id: body.id, type: "create" });
  });

  it("numbers tickets sequentially per tenant", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    const ids = [];
    for (const tenant of [a, a, b]) {
      ids.push((await (await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET })).json<{ id: string }>()).id);
    }
    expect(ids).toEqual(["TKT000000000001", "TKT000000000002", "TKT000000000001"]);
  });

  it("works through the /t/{tenant}/ prefix, with URLs that keep the prefix", async () => {
    const tenant = await createTenant();
    const response = await SELF.fetch(`http://${BASE_DOMAIN}/t/${tenant.slug}${TICKET_PATH}`, {
      method: "POST",
      headers: { authorization: tenant.key, "content-type": "application/json" },
      body: JSON.stringify(SEED_TICKET),
    });
    expect(response.status).toBe(201);
    const body = await response.json<{ url: string }>();
    expect(body.url).toMatch(new RegExp(`^http://${BASE_DOMAIN}/t/${tenant.slug}/api/v1/records/Ticket/TKT`));
  });

  it("keeps unknown fields as data and never executes them", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, TICKET_PATH, {
      key: tenant.key,
      json: { ...SEED_TICKET, __proto__: { polluted: true }, "{{7*7}}": "<script>alert(1)</script>" },
    });
    expect(response.status).toBe(201);
    const { id } = await response.json<{ id: string }>();
    const stored = await (await call(tenant.slug, `/api/v1/records/Ticket/${id}`, { key: tenant.key })).json<{ data: { fields: Record<string, unknown> } }>();
    expect(stored.data.fields["{{7*7}}"]).toBe("<script>alert(1)</script>");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe("bad input: right status and code, and nothing stored", () => {
    const cases: [string, Parameters<typeof call>[2], number, string, string?][] = [
      ["malformed JSON", { body: "{not json" }, 400, "INVALID_JSON"],
      ["trailing-comma JSON", { body: '{"requester_email":"a@b.co","title":"t","description":"d",}' }, 400, "INVALID_JSON"],
      ["an empty body", { body: "" }, 400, "INVALID_JSON"],
      ["an array instead of an object", { json: [SEED_TICKET] }, 400, "VALIDATION_FAILED", "(body)"],
      ["a missing requester_email", { json: { title: "t", description: "d" } }, 400, "VALIDATION_FAILED", "requester_email"],
      ["a missing title", { json: { requester_email: "a@b.co", description: "d" } }, 400, "VALIDATION_FAILED", "title"],
      ["a wrong type", { json: { ...SEED_TICKET, title: 42 } }, 400, "VALIDATION_FAILED", "title"],
      ["an invalid email", { json: { ...SEED_TICKET, requester_email: "John" } }, 400, "VALIDATION_FAILED", "requester_email"],
      ["a wrong content type", { body: JSON.stringify(SEED_TICKET), contentType: "text/plain" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["a form-encoded body", { body: "title=x", contentType: "application/x-www-form-urlencoded" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["a body over 1 MiB", { json: { ...SEED_TICKET, description: "x".repeat(1024 * 1024) } }, 413, "PAYLOAD_TOO_LARGE"],
    ];
    it.each(cases)("%s", async (_label, options, status, code, field) => {
      const tenant = await createTenant();
      const response = await call(tenant.slug, TICKET_PATH, { key: tenant.key, ...options });
      expect(response.status).toBe(status);
      const body = await envelope(response);
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(body.requestId).toBe(response.headers.get("x-request-id"));
      if (field) expect(body.error.details?.map((detail) => detail.path)).toContain(field);
      await expectNothingStored(tenant);
    });

    it("a request with no body and no content type is 415", async () => {
      const tenant = await createTenant();
      const response = await call(tenant.slug, TICKET_PATH, { key: tenant.key, method: "POST" });
      expect(response.status).toBe(415);
      await expectNothingStored(tenant);
    });
  });

  describe("security", () => {
    it("no key, a wrong key, and another tenant's key are 401 and store nothing", async () => {
      const tenant = await createTenant("victim");
      const other = await createTenant("other");
      for (const key of [null, "hg_wrong_key_0000000000000000000000", other.key]) {
        const response = await call(tenant.slug, TICKET_PATH, { key, json: SEED_TICKET });
        expect(response.status).toBe(401);
        expect((await envelope(response)).error.code).toBe("UNAUTHORIZED");
      }
      await expectNothingStored(tenant);
      await expectNothingStored(other);
    });

    it("authenticates before reading the body: an unauthenticated oversized body is 401", async () => {
      const tenant = await createTenant();
      const response = await call(tenant.slug, TICKET_PATH, { key: null, json: { description: "x".repeat(2 * 1024 * 1024) } });
      expect(response.status).toBe(401);
    });
  });

  describe("inbound request log", () => {
    it("logs accepted and rejected requests with status and code, never the credentials", async () => {
      const tenant = await createTenant();
      const accepted = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET });
      const rejected = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { title: "no email" } });
      const unauthorized = await call(tenant.slug, TICKET_PATH, { key: "hg_bad_key_000000000000000000000000", json: SEED_TICKET });
      const acceptedRow = await waitForInboundLog(tenant.id, accepted.headers.get("x-request-id")!);
      expect(acceptedRow).toMatchObject({ status: 201, code: null, source: "helpdesk.createticket" });
      expect(acceptedRow).toHaveProperty("record_id", (await accepted.json<{ id: string }>()).id);
      expect(await waitForInboundLog(tenant.id, rejected.headers.get("x-request-id")!)).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
      // Unauthenticated: counted in the row for its outcome and minute rather than logged as its own row.
      expect(unauthorized.status).toBe(401);
      expect(await waitForAnonymousLog(tenant.id, { status: 401, code: "UNAUTHORIZED" })).toMatchObject([{ status: 401, code: "UNAUTHORIZED", count: 1 }]);

      const log = await call(tenant.slug, "/api/v1/inbound-requests", { key: tenant.key });
      expect(log.status).toBe(200);
      const text = await log.text();
      expect(text).not.toContain(tenant.key);
      expect(text).not.toContain("hg_bad_key");
      const items = (JSON.parse(text) as { items: { status: number }[] }).items;
      expect(items.map((item) => item.status).sort()).toEqual([201, 400, 401]);
    });
  });
});
