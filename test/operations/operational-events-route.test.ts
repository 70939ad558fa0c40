/**
 * GET /api/v1/operational-events: the tenant's recent operational events, newest first (rows of one millisecond
 * last written first), `limit` 1–200 (default 50), one tenant's rows only, authenticated like every tenant route;
 * pruned by the retention pass with the tenant's retentionDays.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, envelope, shardOf } from "../helpers";
import { database } from "../../src/db/client";
import { recordOperationalEvents, type OperationalEvent } from "../../src/operations/operational-event-store";
import { pruneExpired } from "../../src/admin/retention-job";

const ROUTE = "/api/v1/operational-events";

interface Item {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const event = (tenantId: string, n: number, occurredAt: number): OperationalEvent => ({
  id: `ope_test_${tenantId}_${n}`,
  tenantId,
  type: "delivery.dead_lettered",
  occurredAt,
  data: { n },
});

async function seed(tenantId: string, events: OperationalEvent[]): Promise<void> {
  await recordOperationalEvents(database(await shardOf(tenantId)), events);
}

describe("GET /api/v1/operational-events", () => {
  it("lists the tenant's events newest first with type, ISO timestamp and data; limit defaults to 50 and caps the answer", async () => {
    const tenant = await createTenant("ops-events");
    const millisecond = Date.now() - 10_000;
    await seed(tenant.id, [event(tenant.id, 1, millisecond - 5), event(tenant.id, 2, millisecond), event(tenant.id, 3, millisecond)]);
    const response = await call(tenant.slug, ROUTE, { key: tenant.key });
    expect(response.status).toBe(200);
    const { items } = await response.json<{ items: Item[] }>();
    expect(items.map((item) => item.data.n)).toEqual([3, 2, 1]);
    expect(items[2]).toEqual({ id: `ope_test_${tenant.id}_1`, type: "delivery.dead_lettered", timestamp: new Date(millisecond - 5).toISOString(), data: { n: 1 } });

    const limited = await (await call(tenant.slug, `${ROUTE}?limit=2`, { key: tenant.key })).json<{ items: Item[] }>();
    expect(limited.items.map((item) => item.data.n)).toEqual([3, 2]);

    await seed(tenant.id, Array.from({ length: 60 }, (_, n) => event(tenant.id, 100 + n, millisecond + 1 + n)));
    expect((await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<{ items: Item[] }>()).items).toHaveLength(50);
    expect((await (await call(tenant.slug, `${ROUTE}?limit=200`, { key: tenant.key })).json<{ items: Item[] }>()).items).toHaveLength(63);
  });

  it("answers 400 for a limit outside 1–200 or not a number", async () => {
    const tenant = await createTenant("ops-events-400");
    for (const limit of ["0", "201", "abc", "1.5"]) {
      const response = await call(tenant.slug, `${ROUTE}?limit=${limit}`, { key: tenant.key });
      expect(response.status, limit).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 401 without a credential or with another tenant's key, 403 without the api scope; shows only the tenant's own events", async () => {
    const a = await createTenant("ops-events-auth");
    const b = await createTenant("ops-events-auth");
    await seed(b.id, [event(b.id, 1, Date.now())]);
    expect((await call(a.slug, ROUTE, {})).status).toBe(401);
    expect((await call(a.slug, ROUTE, { key: b.key })).status).toBe(401);
    expect((await call(a.slug, ROUTE, { key: "hg_not-a-real-key" })).status).toBe(401);
    const narrow = await createApiKey(a.slug, ["tickets"]);
    const forbidden = await call(a.slug, ROUTE, { key: narrow.key });
    expect(forbidden.status).toBe(403);
    expect((await envelope(forbidden)).error.code).toBe("FORBIDDEN");
    expect((await (await call(a.slug, ROUTE, { key: a.key })).json<{ items: Item[] }>()).items).toEqual([]);
  });

  it("concurrent listings while events are written each see a newest-first prefix-consistent list", async () => {
    const tenant = await createTenant("ops-events-race");
    const start = Date.now() - 10_000;
    const writes = Array.from({ length: 5 }, (_, n) => seed(tenant.id, [event(tenant.id, n, start + n)]));
    const reads = Array.from({ length: 5 }, () => call(tenant.slug, ROUTE, { key: tenant.key }).then((response) => response.json<{ items: Item[] }>()));
    const [, answers] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    for (const answer of answers) {
      const ns = answer.items.map((item) => item.data.n as number);
      expect(ns).toEqual([...ns].sort((x, y) => y - x));
    }
    expect((await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<{ items: Item[] }>()).items).toHaveLength(5);
  });

  it("the retention pass prunes events older than the tenant's retentionDays", async () => {
    const tenant = await createTenant("ops-events-prune");
    const now = Date.now();
    const old = now - 40 * 24 * 60 * 60 * 1000;
    await seed(tenant.id, [event(tenant.id, 1, old), event(tenant.id, 2, now - 1000)]);
    // Visit this tenant first.
    await env.DB.prepare("UPDATE tenants SET pruned_at = 0 WHERE id = ?").bind(tenant.id).run();
    const report = await pruneExpired(env, now, { tenantsPerRun: 1000, batch: 500, batchesPerTable: 4 });
    expect(report.deleted.operationalEvents).toBeGreaterThanOrEqual(1);
    const { items } = await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<{ items: Item[] }>();
    expect(items.map((item) => item.data.n)).toEqual([2]);
  });
});
