import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { leastLoadedShard, shardBindings } from "../../src/db/shards";
import { createRecord } from "../../src/records/record-writes";
import { laggingTenants } from "../../src/delivery/sweeper";
import { SUBSCRIPTION_SEQUENCE } from "../../src/subscriptions/subscription-store";
import { SEED_TICKET, TICKET_PATH, admin, call, createTenant, shardOf, type TestTenant } from "../helpers";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";

let receivers: Receiver[] = [];
afterEach(() => {
  for (const receiver of receivers) receiver.restore();
  receivers = [];
});

const shardNumber = async (tenant: TestTenant): Promise<number> =>
  (await (await admin(`/admin/v1/tenants/${tenant.slug}`)).json<{ shard: number }>()).shard;

const rowsOn = async (shard: D1Database, table: string, tenantId: string): Promise<number> =>
  (await shard.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>())!.n;

/** Creates tenants until one is on each shard (placement alternates, so this takes a few at most). */
async function oneTenantPerShard(): Promise<[TestTenant, TestTenant]> {
  const byShard = new Map<number, TestTenant>();
  for (let created = 0; byShard.size < 2; created++) {
    if (created > 10) throw new Error("ten tenants in a row landed on one shard");
    const tenant = await createTenant("shard");
    byShard.set(await shardNumber(tenant), tenant);
  }
  return [byShard.get(0)!, byShard.get(1)!];
}

describe("tenant shards", () => {
  it("places six tenants created in a row on both shards and shows the shard in the tenant view and list", async () => {
    const tenants: TestTenant[] = [];
    for (let n = 0; n < 6; n++) tenants.push(await createTenant("place"));
    const shards = await Promise.all(tenants.map(shardNumber));
    expect(new Set(shards)).toEqual(new Set([0, 1]));
    const listed = (await (await admin("/admin/v1/tenants")).json<{ items: { slug: string; shard: number }[] }>()).items;
    for (const [index, tenant] of tenants.entries()) expect(listed.find((item) => item.slug === tenant.slug)?.shard).toBe(shards[index]);
  });

  it("keeps each tenant's data on its own shard only, and both deliver end to end", async () => {
    const [zero, one] = await oneTenantPerShard();
    for (const tenant of [zero, one]) {
      const receiver = startReceiver();
      receivers.push(receiver);
      await subscribe(tenant, { url: receiver.url });
      await createEntry(tenant, { name: tenant.slug });
      // A vendor route too: its request is logged (inbound_requests) and it leaves an idempotency key.
      const ticket = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET, headers: { "idempotency-key": `k-${tenant.slug}` } });
      expect(ticket.status).toBe(201);
      await settle(tenant.id);
      expect(receiver.received).toHaveLength(1);
      expect(await listDeliveries(tenant)).toMatchObject([{ status: "delivered" }]);
    }
    for (const [tenant, own, other] of [
      [zero, env.SHARD_0, env.SHARD_1],
      [one, env.SHARD_1, env.SHARD_0],
    ] as const) {
      for (const table of ["records", "events", "sequences", "inbound_requests", "idempotency_keys", "delivery_attempts", "delivery_cursors"]) {
        expect(await rowsOn(own, table, tenant.id), `${table} on its shard`).toBeGreaterThan(0);
        expect(await rowsOn(other, table, tenant.id), `${table} on the other shard`).toBe(0);
        // The control plane has a sequences row too (it names webhooks, WBH…), never the data plane's.
        if (table !== "sequences") expect(await rowsOn(env.DB, table, tenant.id), `${table} in the control plane`).toBe(0);
      }
      const controlSequences = await env.DB.prepare("SELECT name FROM sequences WHERE tenant_id = ?").bind(tenant.id).all<{ name: string }>();
      expect(controlSequences.results.map((row) => row.name)).toEqual([SUBSCRIPTION_SEQUENCE]);
      // The control plane holds the subscription, never a shard.
      expect(await rowsOn(env.DB, "subscriptions", tenant.id)).toBe(1);
      expect(await rowsOn(own, "subscriptions", tenant.id)).toBe(0);
    }
    // Each tenant reads its own feed, from 1, and nothing of the other's.
    for (const tenant of [zero, one]) {
      const feed = await (await call(tenant.slug, "/api/v1/events", { key: tenant.key })).json<{ items: { seq: number; data: { name: string } }[] }>();
      expect(feed.items.map((event) => event.seq)).toEqual([1, 2]);
      expect(feed.items[0]!.data.name).toBe(tenant.slug);
    }
  });

  it("the sweeper finds a lagging tenant on either shard", async () => {
    const [zero, one] = await oneTenantPerShard();
    // Committed without a nudge: only the sweeper can notice them.
    for (const tenant of [zero, one]) await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: {} });
    const lagging = await laggingTenants(env);
    expect(lagging).toContain(zero.id);
    expect(lagging).toContain(one.id);
  });
});

describe("shard placement and bindings", () => {
  it("leastLoadedShard picks the shard with the fewest tenants, the lowest index on a tie, and counts an empty shard as 0", () => {
    expect(leastLoadedShard(new Map(), 2)).toBe(0);
    expect(leastLoadedShard(new Map([[0, 1]]), 2)).toBe(1);
    expect(leastLoadedShard(new Map([[0, 3], [1, 3]]), 2)).toBe(0);
    expect(leastLoadedShard(new Map([[0, 3], [1, 2], [2, 2]]), 3)).toBe(1);
    expect(leastLoadedShard(new Map([[0, 5]]), 1)).toBe(0);
  });

  it("shardBindings lists SHARD_0 … SHARD_n in order, falls back to DB alone, and refuses a gap", () => {
    const [a, b, c, db] = ["a", "b", "c", "db"].map((name) => ({ name }) as unknown as D1Database);
    expect(shardBindings({ SHARD_1: b, SHARD_0: a, DB: db, SHARD_2: c })).toEqual([a, b, c]);
    expect(shardBindings({ DB: db })).toEqual([db]);
    expect(() => shardBindings({ SHARD_0: a, SHARD_2: c })).toThrow(/SHARD_1 is missing/);
    expect(shardBindings(env)).toEqual([env.SHARD_0, env.SHARD_1]);
  });
});
