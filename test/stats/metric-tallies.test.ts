/**
 * Counters never fall: the retention pass moves what it prunes of the counted tables (events, inbound log,
 * delivery attempts) and of the delivery object's dead letters into tallies, in the batch that deletes the rows,
 * and a scrape adds them back. The pass runs "far in the future" so everything closed is pruned.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, countRows, createTenant, type TestTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { pruneExpired } from "../../src/admin/retention-job";
import { parseExposition, type ParsedFamily } from "./prometheus-text";

const DAY = 24 * 60 * 60 * 1000;
const EVERYTHING = { tenantsPerRun: 100_000, batch: 10_000, batchesPerTable: 100 };
const pruneAll = (offsetDays: number) => pruneExpired(env, Date.now() + offsetDays * DAY, EVERYTHING);

let receiver: Receiver | undefined;
afterEach(() => receiver?.restore());
// Earlier tests' tenants share this file's D1: prune them first, so each pass below has only the test's own work.
beforeEach(() => pruneAll(100_000).then(() => undefined));

async function scrape(tenant: TestTenant): Promise<Map<string, ParsedFamily>> {
  const response = await call(tenant.slug, "/api/v1/metrics", { key: tenant.key });
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** Every counter sample, by family and label set. */
const counters = (families: Map<string, ParsedFamily>) =>
  Object.fromEntries(
    [...families]
      .filter(([, family]) => family.type === "counter")
      .flatMap(([name, family]) => family.samples.map((sample) => [`${name}${JSON.stringify(sample.labels)}`, sample.value] as const)),
  );

/** Two events to a receiver that answers 200 and one that answers 500 (two attempts each, then a dead letter that does not block); two rejected requests. */
async function tenantWithHistory(): Promise<TestTenant> {
  receiver = startReceiver((request) => (request.url.endsWith("/fail") ? new Response("boom", { status: 500 }) : new Response("ok")));
  const tenant = await createTenant("tallies");
  await subscribe(tenant, { url: `${receiver.url}/ok`, form: "Widget" });
  await subscribe(tenant, { url: `${receiver.url}/fail`, form: "Widget", maxAttempts: 2, retryDelaysMs: [1] });
  await createEntry(tenant, { n: 1 });
  await createEntry(tenant, { n: 2 });
  expect((await call(tenant.slug, TICKET_PATH, { json: SEED_TICKET })).status).toBe(401);
  await settle(tenant.id);
  // The inbound log is written after the response: wait until the rejected request is counted.
  for (let attempt = 0; attempt < 100 && (await countRows("inbound_requests", tenant.id)) === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  return tenant;
}

describe("metrics counters across retention", () => {
  it("stay exactly where they were when the retention pass prunes every row they counted", async () => {
    const tenant = await tenantWithHistory();
    const before = counters(await scrape(tenant));
    expect(before['hookgate_delivery_attempts_total{"outcome":"failure"}']).toBe(4);
    expect(before["hookgate_deliveries_dead_lettered_total{}"]).toBe(2);

    const report = await pruneAll(100_000 + 1);
    expect(report.deleted.deliveries).toBeGreaterThan(0);
    for (const table of ["events", "inbound_requests", "delivery_attempts"]) expect(await countRows(table, tenant.id)).toBe(0);

    expect(counters(await scrape(tenant))).toEqual(before);
  });

  it("go on rising from the tallies after a prune, and racing passes tally each pruned row once", async () => {
    const tenant = await tenantWithHistory();
    await pruneAll(100_000 + 1);
    await createEntry(tenant, { n: 3 });
    await settle(tenant.id);
    const risen = counters(await scrape(tenant));
    expect(risen['hookgate_events_total{"form":"Widget","type":"create"}']).toBe(3);
    expect(risen['hookgate_delivery_attempts_total{"outcome":"success"}']).toBe(3);
    expect(risen['hookgate_delivery_attempts_total{"outcome":"failure"}']).toBe(6);
    expect(risen["hookgate_deliveries_dead_lettered_total{}"]).toBe(3);

    await Promise.all([pruneAll(100_000 + 2), pruneAll(100_000 + 2)]);
    expect(await countRows("delivery_attempts", tenant.id)).toBe(0);
    expect(counters(await scrape(tenant))).toEqual(risen);
  });
});
