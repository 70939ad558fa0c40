import { afterEach, describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, admin, call, createApiKey, createTenant, envelope, shardOf, type TestTenant } from "../helpers";
import { settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { tenantWithTraffic } from "./traffic";
import { parseExposition, sampleValue, type ParsedFamily } from "./prometheus-text";

let receiver: Receiver | undefined;
afterEach(() => receiver?.restore());

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

async function scrape(tenant: TestTenant): Promise<Map<string, ParsedFamily>> {
  const response = await call(tenant.slug, "/api/v1/metrics", { key: tenant.key });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(CONTENT_TYPE);
  return parseExposition(await response.text());
}

/** The inbound log is written after the response (waitUntil): scrapes until `ready` holds. */
async function scrapeUntil(tenant: TestTenant, ready: (families: Map<string, ParsedFamily>) => boolean): Promise<Map<string, ParsedFamily>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const families = await scrape(tenant);
    if (ready(families)) return families;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("metrics never reached the expected values");
}

const adminScrape = async (query: string) => {
  const response = await admin(`/admin/v1/metrics${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(CONTENT_TYPE);
  return parseExposition(await response.text());
};

/** A query that starts the admin scrape right before `slug` (a prefix sorts before the slug it begins). */
const fromSlug = (slug: string, limit: number) => `?after=${encodeURIComponent(slug.slice(0, -1))}&limit=${limit}`;

describe("GET /api/v1/metrics", () => {
  it("counts rise after an inbound request, an event and a delivery attempt", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("mtr");
    const before = await scrape(tenant);
    expect(sampleValue(before, "hookgate_events_total")).toBeUndefined();
    expect(sampleValue(before, "hookgate_deliveries_dead_lettered_total")).toBe(0);
    expect(sampleValue(before, "hookgate_delivery_lag_seconds")).toBe(0);
    expect(sampleValue(before, "hookgate_open_streams")).toBe(0);

    await subscribe(tenant, { url: `${receiver.url}/ok`, form: "Ticket" });
    expect((await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET })).status).toBe(201);
    // Two rejected requests without a key are one aggregated row with count 2.
    expect((await call(tenant.slug, TICKET_PATH, { json: SEED_TICKET })).status).toBe(401);
    expect((await call(tenant.slug, TICKET_PATH, { json: SEED_TICKET })).status).toBe(401);
    await settle(tenant.id);

    const after = await scrapeUntil(
      tenant,
      (families) => (sampleValue(families, "hookgate_inbound_requests_total", { source: "helpdesk.createticket", status: "401" }) ?? 0) >= 2,
    );
    expect(sampleValue(after, "hookgate_inbound_requests_total", { source: "helpdesk.createticket", status: "201" })).toBe(1);
    expect(sampleValue(after, "hookgate_inbound_requests_total", { source: "helpdesk.createticket", status: "401" })).toBe(2);
    expect(sampleValue(after, "hookgate_events_total", { form: "Ticket", type: "create" })).toBe(1);
    expect(sampleValue(after, "hookgate_delivery_attempts_total", { outcome: "success" })).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(sampleValue(after, "hookgate_open_streams")).toBe(0);
    expect(sampleValue(after, "hookgate_circuit_breakers_open")).toBe(0);
  });

  it("shows failures, dead letters, a blocked stream and its lag", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const families = await scrape(traffic.tenant);
    expect(sampleValue(families, "hookgate_events_total", { form: "Widget", type: "create" })).toBe(2);
    expect(sampleValue(families, "hookgate_delivery_attempts_total", { outcome: "success" })).toBe(2);
    expect(sampleValue(families, "hookgate_delivery_attempts_total", { outcome: "failure" })).toBe(2);
    expect(sampleValue(families, "hookgate_deliveries_dead_lettered_total")).toBe(1);
    expect(sampleValue(families, "hookgate_blocked_streams")).toBe(1);
    // The blocked stream's head (dead letter) and the event behind it are open.
    expect(sampleValue(families, "hookgate_open_streams")).toBe(1);
    expect(sampleValue(families, "hookgate_delivery_lag_seconds")).toBeGreaterThan(0);
    expect(families.get("hookgate_events_total")!.type).toBe("counter");
  });

  it("matches the data-plane tables it counts from", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const shard = await shardOf(traffic.tenant.id);
    const attempts = await shard.prepare("SELECT COUNT(*) AS n FROM delivery_attempts WHERE tenant_id = ?").bind(traffic.tenant.id).first<{ n: number }>();
    const families = await scrape(traffic.tenant);
    const total = families.get("hookgate_delivery_attempts_total")!.samples.reduce((sum, sample) => sum + sample.value, 0);
    expect(total).toBe(attempts!.n);
  });

  it("two scrapes racing return the same counters, both well formed", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const [first, second] = await Promise.all([scrape(traffic.tenant), scrape(traffic.tenant)]);
    const counters = (families: Map<string, ParsedFamily>) => [...families].filter(([, family]) => family.type === "counter");
    expect(counters(first)).toEqual(counters(second));
    expect([...first.keys()]).toEqual([...second.keys()]);
    expect(sampleValue(first, "hookgate_open_streams")).toBe(sampleValue(second, "hookgate_open_streams"));
  });

  it("never shows another tenant's series", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const quiet = await createTenant("mtr");
    const text = await (await call(quiet.slug, "/api/v1/metrics", { key: quiet.key })).text();
    const families = parseExposition(text);
    expect(text).not.toContain(traffic.tenant.slug);
    expect(text).not.toContain("tenant=");
    expect(families.get("hookgate_events_total")!.samples).toEqual([]);
    expect(families.get("hookgate_delivery_attempts_total")!.samples).toEqual([]);
    expect(sampleValue(families, "hookgate_deliveries_dead_lettered_total")).toBe(0);
  });

  it("answers 401 without a key, with a wrong one or another tenant's, 403 without the api scope", async () => {
    const tenant = await createTenant("mtr");
    const other = await createTenant("mtr");
    const none = await call(tenant.slug, "/api/v1/metrics", {});
    expect(none.status).toBe(401);
    expect((await envelope(none)).error.code).toBe("UNAUTHORIZED");
    expect((await call(tenant.slug, "/api/v1/metrics", { key: `${tenant.key}x` })).status).toBe(401);
    expect((await call(tenant.slug, "/api/v1/metrics", { key: other.key })).status).toBe(401);
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    const forbidden = await call(tenant.slug, "/api/v1/metrics", { key: ticketsOnly.key });
    expect(forbidden.status).toBe(403);
    expect((await envelope(forbidden)).error.code).toBe("FORBIDDEN");
  });
});

describe("GET /admin/v1/metrics", () => {
  it("labels every series with its tenant and shows each tenant's own counts", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const families = await adminScrape(fromSlug(traffic.tenant.slug, 1));
    for (const [name, family] of families) {
      if (name.startsWith("hookgate_scrape_")) continue;
      for (const sample of family.samples) expect(sample.labels.tenant).toBe(traffic.tenant.slug);
    }
    const mine = { tenant: traffic.tenant.slug };
    expect(sampleValue(families, "hookgate_events_total", { ...mine, form: "Widget", type: "create" })).toBe(2);
    expect(sampleValue(families, "hookgate_delivery_attempts_total", { ...mine, outcome: "failure" })).toBe(2);
    expect(sampleValue(families, "hookgate_deliveries_dead_lettered_total", mine)).toBe(1);
    expect(sampleValue(families, "hookgate_scrape_tenants")).toBe(1);
  });

  it("reads at most `limit` tenants a scrape in slug order and says when more follow", async () => {
    const first = await createTenant("mtrpage");
    const second = await createTenant("mtrpage");
    const [low, high] = [first, second].sort((a, b) => (a.slug < b.slug ? -1 : 1));
    const page = await adminScrape(fromSlug(low!.slug, 1));
    expect(sampleValue(page, "hookgate_scrape_truncated")).toBe(1);
    expect(sampleValue(page, "hookgate_open_streams", { tenant: low!.slug })).toBe(0);
    expect(sampleValue(page, "hookgate_open_streams", { tenant: high!.slug })).toBeUndefined();
    const next = await adminScrape(`?after=${low!.slug}&limit=1`);
    expect(next.get("hookgate_open_streams")!.samples.map((sample) => sample.labels.tenant)).not.toContain(low!.slug);
    const all = await adminScrape("");
    expect(sampleValue(all, "hookgate_scrape_tenants")).toBeLessThanOrEqual(100);
  });

  it("answers 400 for a limit outside 1..100", async () => {
    for (const limit of ["0", "101", "x"]) {
      const response = await admin(`/admin/v1/metrics?limit=${limit}`);
      expect(response.status).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 401 without the admin token or with a wrong one, and to a tenant's API key", async () => {
    const tenant = await createTenant("mtr");
    expect((await admin("/admin/v1/metrics", { headers: { authorization: "" } })).status).toBe(401);
    expect((await admin("/admin/v1/metrics", { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401);
    expect((await admin("/admin/v1/metrics", { headers: { authorization: `Bearer ${tenant.key}` } })).status).toBe(401);
  });
});
