/**
 * Retention: each tenant's `retentionDays` (admin API), and the cron's pass that prunes what is older, in
 * bounded batches, never open work and never events the delivery cursor has not passed. The clock is injected:
 * the pass runs "eight days from now".
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { admin, call, countRows, createTenant, envelope, SEED_TICKET, TICKET_PATH, type TestTenant, uniqueSlug, shardOf } from "../helpers";
import { createEntry, deliveryStub, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { pruneExpired, type RetentionLimits } from "../../src/admin/retention-job";
import { revocationOf, revokeTokenId } from "../../src/auth/revoked-tokens";
import { commitChange } from "../../src/records/commit-change";
import { database } from "../../src/db/client";
import { readFailureCounts, recordFailures } from "../../src/auth/sign-in-failure-store";
import { SIGN_IN_WINDOW_MS } from "../../src/auth/sign-in-throttle";

const DAY = 24 * 60 * 60 * 1000;
const tenantView = async (slug: string) => (await admin(`/admin/v1/tenants/${slug}`)).json<{ retentionDays: number; name: string }>();
const setRetention = (slug: string, retentionDays: unknown) => admin(`/admin/v1/tenants/${slug}`, { method: "PATCH", json: { retentionDays } });

describe("a tenant's retentionDays", () => {
  it("is 30 by default, set with PATCH and shown in the tenant view and list", async () => {
    const tenant = await createTenant("retention");
    expect((await tenantView(tenant.slug)).retentionDays).toBe(30);
    const patched = await setRetention(tenant.slug, 7);
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ slug: tenant.slug, retentionDays: 7 });
    expect((await tenantView(tenant.slug)).retentionDays).toBe(7);
    const list = await (await admin("/admin/v1/tenants")).json<{ items: { slug: string; retentionDays: number }[] }>();
    expect(list.items.find((item) => item.slug === tenant.slug)?.retentionDays).toBe(7);
  });

  it.each([0, 5000, 7.5, "7", null, -1])("refuses %j with 400 VALIDATION_FAILED naming retentionDays, and changes nothing", async (value) => {
    const tenant = await createTenant("retention-bad");
    const response = await setRetention(tenant.slug, value);
    expect(response.status).toBe(400);
    const body = await envelope(response);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details?.map((detail) => detail.path)).toContain("retentionDays");
    expect((await tenantView(tenant.slug)).retentionDays).toBe(30);
  });

  it("accepts the bounds 1 and 3650", async () => {
    const tenant = await createTenant("retention-bounds");
    expect((await setRetention(tenant.slug, 1)).status).toBe(200);
    expect((await setRetention(tenant.slug, 3650)).status).toBe(200);
    expect((await tenantView(tenant.slug)).retentionDays).toBe(3650);
  });

  it("needs the admin token (none, wrong, or a tenant key: 401) and an existing tenant (404); none of them changes anything", async () => {
    const tenant = await createTenant("retention-auth");
    for (const authorization of ["", "Bearer wrong-token", `Bearer ${tenant.key}`]) {
      const response = await admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { retentionDays: 7 }, headers: { authorization } });
      expect(response.status).toBe(401);
    }
    const missing = await setRetention(uniqueSlug("missing"), 7);
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("TENANT_NOT_FOUND");
    expect((await tenantView(tenant.slug)).retentionDays).toBe(30);
  });

  it("racing PATCHes each apply whole: the same field ends at one of the values sent, other fields are kept", async () => {
    const tenant = await createTenant("retention-race");
    const answers = await Promise.all([
      setRetention(tenant.slug, 7),
      setRetention(tenant.slug, 9),
      admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { name: "Renamed meanwhile" } }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const view = await tenantView(tenant.slug);
    expect([7, 9]).toContain(view.retentionDays);
    expect(view.name).toBe("Renamed meanwhile");
  });
});

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** The tenant's deliveries in its delivery object, by status. */
const deliveriesByStatus = (tenant: TestTenant) =>
  runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
    Object.fromEntries(state.storage.sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status").toArray().map((row) => [row.status, row.n])),
  );

/** History of every kind for one tenant: delivered entries, a ticket with an idempotency key, an open delivery. */
async function tenantWithHistory(label: string, url: string, failing: string): Promise<TestTenant> {
  const tenant = await createTenant(label);
  await subscribe(tenant, { url });
  await subscribe(tenant, { url: failing, form: "Stuck", retryDelaysMs: [600_000], maxAttempts: 3 });
  for (let n = 1; n <= 3; n++) await createEntry(tenant, { n });
  await createEntry(tenant, { n: 0 }, "Stuck");
  const ticket = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET, headers: { "idempotency-key": `${label}-1` } });
  expect(ticket.status).toBe(201);
  await settle(tenant.id, { maxWaitMs: 2_000 }).catch(() => undefined);
  // The stuck delivery made its first attempt and waits 10 minutes for the next: open work.
  for (let wait = 0; wait < 100 && (await countRows("delivery_attempts", tenant.id)) < 4; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let wait = 0; wait < 100 && (await countRows("inbound_requests", tenant.id)) < 1; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  return tenant;
}

const history = async (tenant: TestTenant) => ({
  events: await countRows("events", tenant.id),
  inboundLog: await countRows("inbound_requests", tenant.id),
  idempotencyKeys: await countRows("idempotency_keys", tenant.id),
  attempts: await countRows("delivery_attempts", tenant.id),
  deliveries: await deliveriesByStatus(tenant),
});

describe("the cron's retention pass", () => {
  // Earlier tests' tenants share this file's D1: empty them and mark them visited far in the future, so each
  // test's own tenants are the ones a pass visits first and the only ones with anything to prune.
  beforeEach(async () => {
    await pruneExpired(env, Date.now() + 100_000 * DAY, { tenantsPerRun: 100_000, batch: 10_000, batchesPerTable: 100 });
  });

  it("prunes each tenant's history older than its retention; never open work, never events the cursor has not passed", async () => {
    receiver = startReceiver((request) => (request.url.endsWith("/failing") ? new Response("down", { status: 503 }) : new Response("ok")));
    const kept = await tenantWithHistory("retention-30", receiver.url, `${receiver.url}/failing`);
    const pruned = await tenantWithHistory("retention-7", receiver.url, `${receiver.url}/failing`);
    expect((await setRetention(pruned.slug, 7)).status).toBe(200);
    // Committed with its wake-up lost: the delivery cursor has not passed it, so it stays whatever its age.
    await commitChange({ db: database(await shardOf(pruned.id)), wakeDelivery: () => undefined }, { tenantId: pruned.id, form: "Widget", source: "test", intent: { kind: "create", data: { late: true } } });

    const before = { kept: await history(kept), pruned: await history(pruned) };
    expect(before.pruned).toMatchObject({ events: 6, inboundLog: 1, idempotencyKeys: 1, attempts: 4, deliveries: { delivered: 3, pending: 1 } });

    const report = await pruneExpired(env, Date.now() + 8 * DAY);
    expect(await history(pruned)).toEqual({ events: 1, inboundLog: 0, idempotencyKeys: 0, attempts: 0, deliveries: { pending: 1 } });
    expect(await history(kept)).toEqual(before.kept);
    expect(report.deleted).toMatchObject({ events: 5, inboundLog: 1, idempotencyKeys: 1, attempts: 4, deliveries: 3 });

    // Thirty-one days on, the 30-day tenant's history goes the same way.
    await pruneExpired(env, Date.now() + 31 * DAY);
    await pruneExpired(env, Date.now() + 31 * DAY);
    expect(await history(kept)).toEqual({ events: 0, inboundLog: 0, idempotencyKeys: 0, attempts: 0, deliveries: { pending: 1 } });
  });

  it("leaves history younger than the retention alone", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("retention-young");
    await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const before = await history(tenant);
    const report = await pruneExpired(env, Date.now() + 29 * DAY);
    expect(await history(tenant)).toEqual(before);
    expect(Object.values(report.deleted).every((n) => n === 0)).toBe(true);
  });

  it("drops sign-in throttle counters whose window has ended, and keeps live ones", async () => {
    const db = database(env.DB);
    const now = Date.now();
    const ended = `address:ten_retention:${uniqueSlug("ended")}`;
    const live = `address:ten_retention:${uniqueSlug("live")}`;
    await recordFailures(db, [ended], now - SIGN_IN_WINDOW_MS);
    await recordFailures(db, [live], now - SIGN_IN_WINDOW_MS + 1);
    const report = await pruneExpired(env, now);
    expect(report.signInFailures).toBe(1);
    expect((await readFailureCounts(db, [ended, live])).map((count) => count.key)).toEqual([live]);
  });

  it("drops logged-out token ids once their tokens have expired, and keeps the others", async () => {
    const db = database(env.DB);
    const now = Date.now();
    const expired = `sid:${uniqueSlug("expired")}`;
    const live = `sid:${uniqueSlug("live")}`;
    await revokeTokenId(db, { id: expired, tenantId: "ten_retention", expiresAt: now - 1 });
    await revokeTokenId(db, { id: live, tenantId: "ten_retention", expiresAt: now + 60_000 });
    const report = await pruneExpired(env, now);
    expect(report.revokedTokens).toBeGreaterThanOrEqual(1);
    expect(await revocationOf(db, expired).all()).toEqual([]);
    expect(await revocationOf(db, live).all()).toHaveLength(1);
  });

  it("works in bounded batches: a small budget takes several runs, and tenants take turns", async () => {
    receiver = startReceiver();
    const first = await createTenant("retention-batch-a");
    const second = await createTenant("retention-batch-b");
    for (const tenant of [first, second]) {
      await subscribe(tenant, { url: receiver.url });
      for (let n = 1; n <= 5; n++) await createEntry(tenant, { n });
      await settle(tenant.id);
    }
    const limits: RetentionLimits = { tenantsPerRun: 1, batch: 2, batchesPerTable: 1 };
    const later = Date.now() + 31 * DAY;
    const runs = [];
    // Each run a millisecond later: the tenant visited longest ago goes first.
    for (let run = 0; run < 6; run++) runs.push(await pruneExpired(env, later + run, limits));
    for (const report of runs) {
      expect(report.tenants).toBe(1);
      expect(report.deleted.events).toBeLessThanOrEqual(2);
      expect(report.deleted.deliveries).toBeLessThanOrEqual(2);
    }
    // Three runs each (2 + 2 + 1 events), in turns: both tenants end empty.
    for (const tenant of [first, second]) expect(await history(tenant)).toEqual({ events: 0, inboundLog: 0, idempotencyKeys: 0, attempts: 0, deliveries: {} });
    expect(runs.reduce((total, report) => total + report.deleted.events, 0)).toBe(10);
  });

  it("two passes racing delete each row once and fail nothing", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("retention-racing");
    await subscribe(tenant, { url: receiver.url });
    for (let n = 1; n <= 4; n++) await createEntry(tenant, { n });
    await settle(tenant.id);
    const later = Date.now() + 31 * DAY;
    const reports = await Promise.all([pruneExpired(env, later), pruneExpired(env, later)]);
    expect(reports.reduce((total, report) => total + report.deleted.events, 0)).toBe(4);
    expect(reports.reduce((total, report) => total + report.deleted.deliveries, 0)).toBe(4);
    expect(await history(tenant)).toEqual({ events: 0, inboundLog: 0, idempotencyKeys: 0, attempts: 0, deliveries: {} });
  });
});
